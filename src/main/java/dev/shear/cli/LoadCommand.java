package dev.shear.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.block.load.LatencyHistogram;
import dev.shear.block.load.LoadGenerator;
import dev.shear.block.load.LoadResult;
import dev.shear.block.load.LoadSpec;
import dev.shear.nbd.NbdClientNode;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear load`: plays a guest against an NBD export (ours or anyone's) with the built-in
/// [LoadGenerator] over an [NbdClientNode], and reports the IOPS achieved and the latency
/// percentiles of writes and reads, as a table or as JSON.
///
/// Exit codes: 0 when every request succeeded; 2 for a bad option value (one line on stderr,
/// nothing sent to the server); 1 when the server cannot be used or requests failed.
@Command(name = "load", mixinStandardHelpOptions = true, versionProvider = ShearCommand.VersionProvider.class,
        description = {"Runs a random read/write load against an NBD export and reports IOPS and latency.",
                "Latencies count from when each request was due, so a stalled disk shows as latency, less the",
                "generator's own late wake-up for it up to --excused-oversleep (every oversleep is shown apart)."})
public final class LoadCommand implements Callable<Integer> {
    private static final int MAX_BLOCK = 32 << 20;

    /// Output formats.
    enum Output { table, json }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<nbd-uri>",
            description = "nbd://HOST[:PORT]/NAME or nbd+unix:///NAME?socket=PATH")
    String uri;

    @Option(names = "--iops", required = true, paramLabel = "N", description = "requests per second, reads and writes")
    int iops;

    @Option(names = "--write-ratio", required = true, paramLabel = "R", description = "share of writes, 0 to 1 (0.8 = 80 %%)")
    double writeRatio;

    @Option(names = "--block-size", required = true, paramLabel = "SIZE",
            description = "bytes per request, a power of two from 512 to 32M (e.g. 4K)")
    String blockSize;

    @Option(names = "--duration", required = true, paramLabel = "S", description = "seconds to run (e.g. 10 or 0.5)")
    double duration;

    @Option(names = "--queue-depth", defaultValue = "16", paramLabel = "N",
            description = "requests in flight at most, 1 to 1024 (default: ${DEFAULT-VALUE})")
    int queueDepth;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "random seed for offsets and data (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--excused-oversleep", defaultValue = "auto", paramLabel = "US|auto",
            description = "how much of the generator's own late wake-up for a request does not count as its latency, "
                    + "in µs from 0 (count from when due) to 10000; auto measures this machine's median for 1 s "
                    + "before the load, which is fair only with nothing else running then: give a number to compare "
                    + "runs made at different times (default: ${DEFAULT-VALUE})")
    String excusedOversleep;

    @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT",
            description = "table or json (default: ${DEFAULT-VALUE})")
    Output output;

    /// Print a progress line each second on stderr: when stderr is a terminal (tests set it).
    boolean progress = System.console() != null;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        LoadSpec load;
        try {
            validateRates();
            load = new LoadSpec(iops, writeRatio, validBlockSize(), Duration.ofNanos(validDurationNanos()), queueDepth,
                    seed, fixedExcuse());
        } catch (IllegalArgumentException e) {
            return fail(spec.exitCodeOnInvalidInput(), e.getMessage());
        }
        NbdClientNode node;
        try {
            node = NbdClientNode.connect(uri);
        } catch (IllegalArgumentException e) {
            return fail(spec.exitCodeOnInvalidInput(), e.getMessage());
        } catch (IOException e) {
            return fail(spec.exitCodeOnExecutionException(), e.getMessage());
        }
        try (node) {
            String misfit = misfit(node, load);
            if (misfit != null) {
                return fail(spec.exitCodeOnInvalidInput(), misfit);
            }
            load = excuse(load);
            LoadResult result = run(node, load, err);
            print(node, load, result);
            if (result.errors() > 0) {
                return fail(spec.exitCodeOnExecutionException(), result.errors() + " requests failed; the first: "
                        + result.firstError());
            }
            return 0;
        } catch (IOException e) {
            return fail(spec.exitCodeOnExecutionException(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(spec.exitCodeOnExecutionException(), "interrupted");
        }
    }

    private int fail(int code, String message) {
        spec.commandLine().getErr().println("shear load: " + message.replace('\n', ' '));
        return code;
    }

    private int validBlockSize() {
        long size;
        try {
            size = Sizes.parse(blockSize);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--block-size: " + e.getMessage());
        }
        if (!Sizes.isPowerOfTwo(size) || size < 512 || size > MAX_BLOCK) {
            throw new IllegalArgumentException("--block-size must be a power of two from 512 to 32M, not " + blockSize);
        }
        return (int) size;
    }

    /// Whether the excused oversleep is to be measured before the load.
    private boolean autoExcuse() {
        return excusedOversleep.equals("auto");
    }

    /// The excused oversleep asked for, or zero for `auto` (measured later, [#excuse]).
    private Duration fixedExcuse() {
        if (autoExcuse()) {
            return Duration.ZERO;
        }
        long micros;
        try {
            micros = Long.parseLong(excusedOversleep);
        } catch (NumberFormatException e) {
            micros = -1;
        }
        long max = LoadSpec.MAX_EXCUSED_OVERSLEEP.toNanos() / 1000;
        if (micros < 0 || micros > max) {
            throw new IllegalArgumentException("--excused-oversleep must be auto or a number of µs from 0 to " + max
                    + ", not " + excusedOversleep);
        }
        return Duration.ofNanos(micros * 1000);
    }

    /// `load` with its oversleep excuse measured now if `auto` was asked for.
    private LoadSpec excuse(LoadSpec load) throws InterruptedException {
        return autoExcuse() ? load.withExcusedOversleep(
                LoadGenerator.idleOversleep(load, Duration.ofSeconds(1))) : load;
    }

    private long validDurationNanos() {
        if (!(duration > 0) || duration > 1e6) {
            throw new IllegalArgumentException("--duration must be a number of seconds above 0 (at most 1000000), not "
                    + plain(duration));
        }
        return Math.max(1, (long) (duration * 1e9));
    }

    /// Checks what [LoadSpec] checks too, so the message names the option.
    private void validateRates() {
        if (iops < 1) {
            throw new IllegalArgumentException("--iops must be at least 1, not " + iops);
        }
        if (!(writeRatio >= 0 && writeRatio <= 1)) {
            throw new IllegalArgumentException("--write-ratio must be between 0 and 1 (0.8 means 80 % writes), not "
                    + plain(writeRatio));
        }
        if (queueDepth < 1 || queueDepth > 1024) {
            throw new IllegalArgumentException("--queue-depth must be between 1 and 1024, not " + queueDepth);
        }
    }

    private static String plain(double d) {
        return Double.isFinite(d) ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : String.valueOf(d);
    }

    /// Why `load` cannot run against `node`, or null.
    private String misfit(NbdClientNode node, LoadSpec load) {
        if (load.blockSize() > node.size()) {
            return "--block-size " + blockSize + " is larger than " + node.describe() + " ("
                    + Sizes.format(node.size()) + ")";
        }
        if (load.blockSize() % node.alignment() != 0) {
            return "--block-size " + blockSize + " is not a multiple of the minimum block size "
                    + node.alignment() + " of " + node.describe();
        }
        if (node.readOnly() && load.writeRatio() > 0) {
            return node.describe() + " is read-only; use --write-ratio 0";
        }
        return null;
    }

    private LoadResult run(NbdClientNode node, LoadSpec load, PrintWriter err) throws InterruptedException {
        LoadGenerator generator = new LoadGenerator(node, load);
        Thread ticker = progress ? Thread.ofVirtual().name("shear load progress").start(() -> tick(generator, err))
                : null;
        try {
            return generator.run();
        } finally {
            if (ticker != null) {
                ticker.interrupt();
                ticker.join();
                err.println();
                err.flush();
            }
        }
    }

    /// Rewrites one stderr line each second until interrupted.
    private static void tick(LoadGenerator g, PrintWriter err) {
        long start = System.nanoTime();
        long last = 0;
        try {
            while (true) {
                Thread.sleep(1000);
                LatencyHistogram w = g.writeLatencies();
                LatencyHistogram r = g.readLatencies();
                long count = w.count() + r.count();
                err.printf(Locale.ROOT, "\r%6.0f s  %8d IOPS  writes p99 %7d µs  reads p99 %7d µs ",
                        (System.nanoTime() - start) / 1e9, count - last, w.percentileMicros(99), r.percentileMicros(99));
                err.flush();
                last = count;
            }
        } catch (InterruptedException done) {
            // the load has ended
        }
    }

    private void print(NbdClientNode node, LoadSpec load, LoadResult r) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        double achieved = r.seconds() > 0 ? (r.writes().count() + r.reads().count()) / r.seconds() : 0;
        if (output == Output.json) {
            out.println(json(node, load, r, achieved));
        } else {
            out.printf(Locale.ROOT, "target    %s (%s)%n", node.describe(), Sizes.format(node.size()));
            out.printf(Locale.ROOT, "load      %d IOPS asked, %s %% writes, %s blocks, queue depth %d, %s s, seed %d%n",
                    load.iops(), plain(load.writeRatio() * 100), Sizes.format(load.blockSize()), load.queueDepth(),
                    plain(duration), load.seed());
            out.printf(Locale.ROOT, "latency   from when due, less up to %d µs of the generator's late wake-up (%s)%n",
                    load.excusedOversleep().toNanos() / 1000, autoExcuse()
                            ? "this machine's median, measured before the load" : "--excused-oversleep");
            out.printf(Locale.ROOT, "achieved  %.1f IOPS in %.2f s (%.1f writes/s, %.1f reads/s), %d errors%n%n",
                    achieved, r.seconds(), r.writes().iops(), r.reads().iops(), r.errors());
            out.printf(Locale.ROOT, "%-13s %9s %9s %9s %9s %9s %9s%n", "latency (µs)", "count", "p50", "p90", "p99",
                    "p99.9", "max");
            row(out, "writes", r.writes());
            row(out, "reads", r.reads());
            row(out, "oversleep", r.oversleep());
        }
        out.flush();
    }

    private static void row(PrintWriter out, String name, LoadResult.Stats s) {
        out.printf(Locale.ROOT, "%-13s %9d %9d %9d %9d %9d %9d%n", name, s.count(), s.p50(), s.p90(), s.p99(),
                s.p999(), s.max());
    }

    private String json(NbdClientNode node, LoadSpec load, LoadResult r, double achieved) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("uri", uri).put("export", node.describe()).put("export_size", node.size());
        root.putObject("load").put("iops", load.iops()).put("write_ratio", load.writeRatio())
                .put("block_size", load.blockSize()).put("duration_s", duration).put("queue_depth", load.queueDepth())
                .put("seed", load.seed()).put("excused_oversleep_us", load.excusedOversleep().toNanos() / 1000);
        root.put("seconds", r.seconds()).put("iops", achieved).put("errors", r.errors())
                .put("first_error", r.firstError());
        stats(root.putObject("writes"), r.writes());
        stats(root.putObject("reads"), r.reads());
        stats(root.putObject("oversleep"), r.oversleep());
        return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static void stats(ObjectNode o, LoadResult.Stats s) {
        o.put("count", s.count()).put("iops", s.iops()).put("p50_us", s.p50()).put("p90_us", s.p90())
                .put("p99_us", s.p99()).put("p99_9_us", s.p999()).put("max_us", s.max());
    }
}
