package dev.shear.cli;

import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.datacenter.vzdump.PerformanceOption;
import dev.shear.util.Sizes;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine.Option;

/// vzdump's backup options, in its words, for `shear backup` and `shear job create|set`. An
/// option not given keeps the value of the request it is applied to.
final class VzdumpOptions {
    @Option(names = "--mode", paramLabel = "MODE",
            description = "full (default) or incremental (only clusters changed since the last backup on the storage)")
    String mode;

    @Option(names = "--fleecing", paramLabel = "[enabled=]1,storage=ID",
            description = "copy old data to fleecing images on a fast image storage, so guest writes never wait "
                    + "for the backup target (default: enabled=0)")
    String fleecing;

    @Option(names = "--performance", paramLabel = "max-workers=N,max-chunk=SIZE,min-cluster-size=SIZE",
            description = "parallel copy tasks (default 16), largest task (default 0 = unlimited), minimum cluster "
                    + "size (0 or a power of two, default 0)")
    String performance;

    @Option(names = "--bwlimit", paramLabel = "KiB/s",
            description = "limit background copying, in KiB/s (default 0 = unlimited)")
    Long bwlimitKib;

    @Option(names = "--discard-source", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "free fleecing space as the backup advances (default: on with fleecing)")
    Boolean discardSource;

    @Option(names = "--on-cbw-error", paramLabel = "POLICY",
            description = "break-guest-write or break-snapshot (default: break-snapshot with fleecing, "
                    + "else break-guest-write)")
    String onCbwError;

    @Option(names = "--cbw-timeout", paramLabel = "S",
            description = "seconds a copy-before-write may take (default: 45 with fleecing, else 0 = no limit)")
    Long cbwTimeout;

    @Option(names = "--cbw-write-behind", paramLabel = "SIZE",
            description = "guest writes per disk acknowledged before their old data is copied, with fleecing and "
                    + "break-snapshot; they are lost if Shear dies before the guest's next flush (default: 32M, "
                    + "0 = every write waits for its copy)")
    String writeBehind;

    /// `base` with the options given here.
    ///
    /// @throws IllegalArgumentException for a value vzdump would refuse
    BackupRequest apply(BackupRequest base) {
        return apply(base, Set.of(), base.storage());
    }

    /// `base` with the options given here, those named in `reset` (vzdump's names: `mode`,
    /// `fleecing`, ...) back at their defaults, and `storage`: checked once, as a whole, so that
    /// resetting one option and giving another that depends on it (`--delete fleecing
    /// --cbw-write-behind 0`) works in either order.
    ///
    /// @throws IllegalArgumentException for a value vzdump would refuse
    BackupRequest apply(BackupRequest base, Set<String> reset, String storage) {
        BackupRequest d = BackupRequest.of(base.vmid(), storage);
        Function<String, BackupRequest> from = name -> reset.contains(name) ? d : base;
        boolean incremental = mode == null ? from.apply("mode").incremental() : switch (mode) {
            case "full" -> false;
            case "incremental" -> true;
            default -> throw new IllegalArgumentException("--mode must be full or incremental, not '" + mode + "'");
        };
        return new BackupRequest(base.vmid(), storage, incremental,
                fleecing == null ? from.apply("fleecing").fleecing() : FleecingOption.parse(fleecing),
                performance == null ? from.apply("performance").perf() : PerformanceOption.parse(performance),
                bwlimitKib == null ? from.apply("bwlimit").bwlimit() : Math.multiplyExact(bwlimitKib, 1024L),
                discardSource == null ? from.apply("discard-source").discardSource() : discardSource,
                onCbwError == null ? from.apply("on-cbw-error").onCbwError() : OnCbwError.parse(onCbwError),
                cbwTimeout == null ? from.apply("cbw-timeout").cbwTimeout() : cbwTimeout,
                writeBehind == null ? from.apply("cbw-write-behind").writeBehind() : parseWriteBehind(writeBehind));
    }

    private static Long parseWriteBehind(String text) {
        try {
            return Sizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cbw-write-behind: " + e.getMessage());
        }
    }
}
