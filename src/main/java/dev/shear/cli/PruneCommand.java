package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.archive.Prune;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear prune <vmid> --storage ID --keep-last N …`: Proxmox VE's retention rules for one guest's
/// backups on one storage.
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Remove a guest's backups that no keep rule selects (Proxmox VE's rules).",
                "Kept incremental backups keep their parents; incomplete backups are removed;",
                "backups in progress are never touched. Try --dry-run first."})
public final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    OutputOption output;

    @Parameters(index = "0", paramLabel = "VMID", description = "the guest whose backups to prune")
    int vmid;

    @Option(names = "--storage", required = true, paramLabel = "ID", description = "the backup storage")
    String storage;

    @Option(names = "--keep-last", paramLabel = "N", defaultValue = "0", description = "keep the newest N backups")
    int last;
    @Option(names = "--keep-hourly", paramLabel = "N", defaultValue = "0", description = "keep one per hour, for N hours")
    int hourly;
    @Option(names = "--keep-daily", paramLabel = "N", defaultValue = "0", description = "keep one per day, for N days")
    int daily;
    @Option(names = "--keep-weekly", paramLabel = "N", defaultValue = "0", description = "keep one per ISO week, for N weeks")
    int weekly;
    @Option(names = "--keep-monthly", paramLabel = "N", defaultValue = "0", description = "keep one per month, for N months")
    int monthly;
    @Option(names = "--keep-yearly", paramLabel = "N", defaultValue = "0", description = "keep one per year, for N years")
    int yearly;

    @Option(names = "--dry-run", description = "only show what would be kept and removed")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        KeepOptions keep = new KeepOptions(last, hourly, daily, weekly, monthly, yearly).requireAny();
        Datacenter dc = Cli.datacenter(spec);
        Prune.Result r = new Prune(dc).run(vmid, storage, keep, dryRun);
        PrintWriter out = Cli.out(spec);
        if (output.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dry_run", dryRun);
            m.put("backups", r.decisions().stream().map(d -> Map.of("id", d.archive().id(),
                    "action", d.keep() ? "keep" : "remove", "reason", d.reason())).toList());
            m.put("removed", r.removed());
            m.put("freed", r.freed());
            m.put("failures", r.failures());
            m.put("task", r.task() == null ? null : r.task().toString());
            OutputOption.printJson(out, m);
        } else if (r.decisions().isEmpty()) {
            out.println("guest " + vmid + " has no backups on storage '" + storage + "'");
        } else {
            Table t = new Table("ACTION", "BACKUP", "REASON");
            r.decisions().forEach(d -> t.row(d.keep() ? "keep" : dryRun ? "would remove" : "remove",
                    d.archive().name(), d.reason()));
            t.print(out);
            long n = r.decisions().stream().filter(d -> !d.keep()).count();
            out.println(dryRun ? "dry run: " + n + " backup(s) would be removed; nothing was changed"
                    : "removed " + r.removed().size() + " backup(s), " + Sizes.format(r.freed()) + " freed");
        }
        out.flush();
        r.failures().forEach(f -> Cli.err(spec).println("shear: error: " + f));
        Cli.err(spec).flush();
        return r.failures().isEmpty() ? ExitCodes.OK : ExitCodes.TASK_FAILED;
    }
}
