package dev.shear.cli;

import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.ArchiveSummary;
import dev.shear.datacenter.archive.Archives;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear list [VMID] [--storage ID]`: the backup archives, with state, mode, size on disk, last
/// verification and parent.
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List backups with their state, mode, size, verification and parent."})
public final class ListCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Spec
    CommandSpec spec;
    @Mixin
    OutputOption output;

    @Parameters(arity = "0..1", paramLabel = "VMID", description = "only this guest's backups")
    Integer vmid;

    @Option(names = "--storage", paramLabel = "ID", description = "only backups on this storage")
    String storage;

    @Override
    public Integer call() throws Exception {
        if (vmid != null) {
            VolumeName.checkVmid(vmid);
        }
        Datacenter dc = Cli.datacenter(spec);
        Archives archives = new Archives(dc);
        List<Archive> all;
        if (storage != null) {
            Storage s = dc.storages().get(storage);
            if (!s.config().content().contains(Content.BACKUP)) {
                throw new IllegalArgumentException("storage '" + storage + "' does not hold backups");
            }
            all = archives.list(s);
        } else {
            all = archives.list();
        }
        List<ArchiveSummary> rows = new ArrayList<>();
        for (Archive a : all) {
            if (vmid == null || a.name().vmid() == vmid) {
                try {
                    rows.add(ArchiveSummary.of(a));
                } catch (NoSuchFileException removedMeanwhile) {
                    continue;   // pruned while listing: it is not there to show
                }
            }
        }
        PrintWriter out = Cli.out(spec);
        if (output.json()) {
            OutputOption.printJson(out, rows.stream().map(ListCommand::json).toList());
            return ExitCodes.OK;
        }
        if (rows.isEmpty()) {
            out.println("no backups" + (vmid != null ? " of guest " + vmid : "") + (storage != null ? " on storage '"
                    + storage + "'" : ""));
            out.flush();
            return ExitCodes.OK;
        }
        Table t = new Table("BACKUP", "GUEST", "TIME", "MODE", "SIZE", "STATE", "VERIFIED", "PARENT");
        for (ArchiveSummary r : rows) {
            t.row(r.id(), r.vmid(), TIME.format(r.time()), dash(r.mode()), Sizes.format(r.sizeOnDisk()), r.stateText(),
                    r.verified(), dash(r.parent()));
        }
        t.print(out);
        rows.stream().filter(r -> r.problem() != null)
                .forEach(r -> Cli.err(spec).println("shear: warning: " + r.problem()));
        Cli.err(spec).flush();
        return ExitCodes.OK;
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    private static Map<String, Object> json(ArchiveSummary r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("storage", r.storage());
        m.put("vmid", r.vmid());
        m.put("time", r.time().toString());
        m.put("mode", r.mode());
        m.put("size", r.sizeOnDisk());
        m.put("state", r.stateText());
        m.put("verified", r.verified());
        m.put("verified_at", r.verifiedAt());
        m.put("parent", r.parent());
        m.put("problem", r.problem());
        return m;
    }
}
