package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.archive.Restore;
import dev.shear.datacenter.archive.RestoreOutcome;
import dev.shear.datacenter.archive.TaskRun;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear restore <archive> <vmid> [--storage ID] [--force]`, like `qmrestore`.
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup to a new guest, or over an existing one with --force.",
                "Each disk is checked against the backup's sha256; on any failure the guest",
                "is removed again."})
public final class RestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ARCHIVE", description = "the backup, <storage>:<name> (see shear list)")
    String archive;

    @Parameters(index = "1", paramLabel = "VMID", description = "the guest to create")
    int vmid;

    @Option(names = "--storage", paramLabel = "ID",
            description = "image storage for the disks (default: each disk's storage at backup time)")
    String storage;

    @Option(names = "--force", description = "replace guest VMID if it exists (its disks are destroyed first)")
    boolean force;

    /// True when the output is a terminal (a progress line is redrawn); tests set it.
    boolean terminal = System.console() != null;

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        PrintWriter out = Cli.out(spec);
        ByteProgress view = new ByteProgress(out, terminal, "restoring");
        TaskRun<RestoreOutcome> run = new Restore(dc).start(archive, vmid, storage, force, view);
        RestoreOutcome o;
        try (CancelOnExit hook = new CancelOnExit(run)) {
            o = run.await();
        }
        view.finish();
        if (!o.ok()) {
            Cli.err(spec).println("shear: error: restore of " + archive + " to guest " + vmid + " failed: " + o.error()
                    + " (log: shear tasks log " + o.task() + ")");
            Cli.err(spec).flush();
            return ExitCodes.TASK_FAILED;
        }
        out.println(String.format(Locale.ROOT, "restored %s to guest %d: %s written in %.1f s", archive, vmid,
                Sizes.format(o.written()), o.seconds()));
        out.flush();
        return ExitCodes.OK;
    }
}
