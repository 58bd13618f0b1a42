package dev.shear.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.backup.BackupEvent;
import dev.shear.control.BackupArgs;
import dev.shear.control.ControlClient;
import dev.shear.control.ControlException;
import dev.shear.control.ControlProtocol;
import dev.shear.control.EventJson;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunInfo;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import dev.shear.datacenter.vzdump.BackupService;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear backup <vmid>… --storage ID …`: vzdump's options and words. A guest served by a running
/// Shear process (`shear run`, the app) is backed up inside that process through its control
/// socket; a stopped guest is opened here.
@Command(name = "backup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Back up guests (one after another) to a backup storage, like vzdump.",
                "Running guests are backed up live through the process that serves them."})
public final class BackupCommand implements Callable<Integer> {
    /// How long an interrupted backup may take to undo its work (free fleecing images) before the
    /// interrupt goes on.
    static final long CANCEL_WAIT_SECONDS = 60;
    @Spec
    CommandSpec spec;
    @Mixin
    OutputOption output;

    @Parameters(paramLabel = "VMID", arity = "1..*", description = "the guests")
    List<Integer> vmids;

    @Option(names = "--storage", required = true, paramLabel = "ID", description = "backup storage (content backup)")
    String storage;

    @Mixin
    VzdumpOptions options;

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        List<BackupRequest> requests = new ArrayList<>();
        for (int vmid : vmids) {
            requests.add(request(vmid));
        }
        PrintWriter out = Cli.out(spec);
        List<BackupOutcome> outcomes = new ArrayList<>();
        boolean failed = false;
        for (BackupRequest r : requests) {
            ProgressView view = new ProgressView(output.json() ? new PrintWriter(java.io.Writer.nullWriter())
                    : out, System.console() != null);
            BackupOutcome o = runOne(dc, r, view);
            view.finish();
            outcomes.add(o);
            failed |= !o.ok();
            if (!output.json()) {
                if (o.ok()) {
                    out.println(String.format(Locale.ROOT, "backup of guest %d finished: %s (%s, %s copied in %.1f s)",
                            r.vmid(), o.archive(), o.mode(), Sizes.format(o.bytes()), o.seconds()));
                } else {
                    Cli.err(spec).println("shear: error: backup of guest " + r.vmid() + " failed: " + o.error()
                            + " (log: shear tasks log " + o.task() + ")");
                }
            }
        }
        if (output.json()) {
            OutputOption.printJson(out, outcomes);
        }
        out.flush();
        Cli.err(spec).flush();
        return failed ? ExitCodes.TASK_FAILED : ExitCodes.OK;
    }

    private BackupRequest request(int vmid) {
        return options.apply(BackupRequest.of(vmid, storage));
    }

    /// Backs up `r` wherever the guest is (through the control socket of the process running it, or
    /// here) and waits for the end; Ctrl-C cancels it.
    static BackupOutcome runOne(Datacenter dc, BackupRequest r, Consumer<BackupEvent> view) throws Exception {
        Optional<RunInfo> holder = new GuestRuns(dc.root()).holder(r.vmid());
        if (holder.isPresent() && holder.get().isRunning() && !holder.get().controlSocket().isEmpty()) {
            return remote(Path.of(holder.get().controlSocket()), r, view);
        }
        BackupRun run = new BackupService(dc).start(r, null, view);
        Thread hook = Thread.ofPlatform().unstarted(run::cancel);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run.await();
        } catch (InterruptedException e) {
            run.cancel();                                   // the caller gives up: undo the backup first, then say so
            run.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
            throw e;
        } finally {
            removeHook(hook);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already (Ctrl-C): the hook is running and cancels the backup
            System.getLogger(BackupCommand.class.getName()).log(System.Logger.Level.DEBUG, "shutting down");
        }
    }

    private static BackupOutcome remote(Path socket, BackupRequest r, Consumer<BackupEvent> view) throws Exception {
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            try {
                ControlClient.call(socket, "cancel", Map.of(), e -> { });
            } catch (Exception e) {
                System.getLogger(BackupCommand.class.getName()).log(System.Logger.Level.WARNING,
                        "could not cancel the backup: " + e.getMessage());
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            JsonNode result = ControlClient.call(socket, "backup", Map.of("args", BackupArgs.of(r)), n -> {
                BackupEvent e = EventJson.fromJson(n);
                if (e != null) {
                    view.accept(e);
                }
            });
            return ControlProtocol.mapper().treeToValue(result, BackupOutcome.class);
        } catch (ControlException e) {
            throw ControlProtocol.USAGE.equals(e.code()) ? new IllegalArgumentException(e.getMessage())
                    : new UserError(ExitCodes.REFUSED, e.getMessage());
        } finally {
            removeHook(hook);
        }
    }
}
