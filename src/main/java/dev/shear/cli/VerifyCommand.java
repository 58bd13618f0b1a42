package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.TaskRun;
import dev.shear.datacenter.archive.Verify;
import dev.shear.datacenter.archive.VerifyOutcome;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear verify <archive>…`: re-reads each backup through its chain and checks every disk's
/// sha256; the result is recorded and shown by `shear list`.
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify backups: re-read them and check every disk's sha256.",
                "Incremental backups are read through their chain. Exit 1 if any is damaged."})
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ARCHIVE", description = "backups, <storage>:<name> (see shear list)")
    List<String> archives;

    /// True when the output is a terminal (a progress line is redrawn); tests set it.
    boolean terminal = System.console() != null;

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        PrintWriter out = Cli.out(spec);
        PrintWriter err = Cli.err(spec);
        for (String id : archives) {
            new Archives(dc).find(id).requireComplete("verified");   // refuse before verifying any
        }
        boolean failed = false;
        for (String id : archives) {
            ByteProgress view = new ByteProgress(out, terminal, "verifying " + id);
            TaskRun<VerifyOutcome> run = new Verify(dc).start(id, view);
            VerifyOutcome o;
            try (CancelOnExit hook = new CancelOnExit(run)) {
                o = run.await();
            }
            view.finish();
            if (o.ok()) {
                out.println(String.format(Locale.ROOT, "%s: ok (%.1f s)", id, o.seconds()));
            } else {
                failed = true;
                err.println("shear: error: " + id + ": verification failed: " + o.error() + " (log: shear tasks log "
                        + o.task() + ")");
            }
            out.flush();
            err.flush();
        }
        return failed ? ExitCodes.TASK_FAILED : ExitCodes.OK;
    }
}
