package dev.shear.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.control.ControlClient;
import dev.shear.control.ControlException;
import dev.shear.control.ControlProtocol;
import dev.shear.control.GuestRuntime;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// Running guests: `shear run`, `status`, `stop`, `cancel`, `export-snapshot`, `release`.
final class RunCommands {
    private RunCommands() {
    }

    /// The control socket of running guest `vmid`, or a refusal saying it is not running.
    static Path socketOf(Datacenter dc, int vmid) throws java.io.IOException {
        dc.guests().get(vmid);
        Optional<RunInfo> h = new GuestRuns(dc.root()).holder(vmid);
        if (h.isEmpty() || !h.get().isRunning() || h.get().controlSocket().isEmpty()) {
            throw new UserError(ExitCodes.REFUSED, "guest " + vmid + " is not running" + (h.isPresent()
                    ? " (its disks are open for: " + h.get().purpose() + ")" : "") + "; start it with: shear run " + vmid);
        }
        return Path.of(h.get().controlSocket());
    }

    static JsonNode control(Datacenter dc, int vmid, String cmd, Object args) throws Exception {
        try {
            return ControlClient.call(socketOf(dc, vmid), cmd, args, e -> { });
        } catch (ControlException e) {
            throw ControlProtocol.USAGE.equals(e.code()) ? new IllegalArgumentException(e.getMessage())
                    : new UserError(ControlProtocol.FAILED.equals(e.code()) ? ExitCodes.TASK_FAILED : ExitCodes.REFUSED,
                    e.getMessage());
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a guest: serve its disks over NBD through the engine (so backups can be taken live)",
                    "until Ctrl-C / SIGTERM or 'shear stop'. Any NBD client can be the guest."})
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "NBD address (default: ${DEFAULT-VALUE})")
        String host;
        @Option(names = "--port", defaultValue = "0", description = "NBD port (default: any free port)")
        int port;

        @Override
        public Integer call() throws Exception {
            Datacenter dc = Cli.datacenter(spec);
            GuestConfig g = dc.guests().get(vmid);
            GuestRuntime rt = GuestRuntime.start(dc, vmid, new GuestRuntime.Options(host, port, true));
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                try {
                    rt.close();
                } catch (java.io.IOException e) {
                    System.err.println("shear: error while stopping guest " + vmid + ": " + e.getMessage());
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            PrintWriter out = Cli.out(spec);
            out.println("guest " + vmid + " (" + g.name() + ") is running; its disks:");
            rt.exports().forEach((k, v) -> out.println("  " + k + "  " + v));
            out.println("control socket: " + new GuestRuns(dc.root()).controlSocket(vmid));
            out.println("stop with Ctrl-C, SIGTERM or: shear stop " + vmid);
            out.flush();
            rt.awaitStopped();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                return ExitCodes.OK;                      // stopping because of a signal
            }
            out.println("guest " + vmid + " stopped");
            return ExitCodes.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show which guests run, their NBD URIs "
            + "and running backups.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OutputOption output;
        @Parameters(paramLabel = "VMID", arity = "0..*")
        List<Integer> vmids;

        @Override
        public Integer call() throws Exception {
            Datacenter dc = Cli.datacenter(spec);
            GuestRuns runs = new GuestRuns(dc.root());
            List<Integer> ids = vmids != null && !vmids.isEmpty() ? vmids
                    : dc.guests().list().items().stream().map(GuestConfig::vmid).toList();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int id : ids) {
                dc.guests().get(id);
                Optional<RunInfo> h = runs.holder(id);
                Map<String, Object> r = new java.util.LinkedHashMap<>();
                r.put("vmid", id);
                r.put("state", h.map(RunInfo::purpose).orElse("stopped"));
                r.put("pid", h.map(i -> i.owner() == null ? null : i.owner().pid()).orElse(null));
                r.put("exports", h.map(RunInfo::exports).orElse(Map.of()));
                rows.add(r);
            }
            if (output.json()) {
                OutputOption.printJson(Cli.out(spec), rows);
                return ExitCodes.OK;
            }
            Table t = new Table("VMID", "STATE", "PID", "NBD");
            for (var r : rows) {
                Map<?, ?> ex = (Map<?, ?>) r.get("exports");
                t.row(r.get("vmid"), r.get("state"), r.get("pid") == null ? "-" : r.get("pid"),
                        ex.isEmpty() ? "-" : String.join(" ", ex.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
            }
            t.print(Cli.out(spec));
            return ExitCodes.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a running guest (cancels its backup).")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;

        @Override
        public Integer call() throws Exception {
            control(Cli.datacenter(spec), vmid, "stop", Map.of());
            Cli.out(spec).println("stopping guest " + vmid);
            return ExitCodes.OK;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel the backup of a running guest.")
    static final class Cancel implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;

        @Override
        public Integer call() throws Exception {
            boolean c = control(Cli.datacenter(spec), vmid, "cancel", Map.of()).path("cancelled").asBoolean();
            Cli.out(spec).println(c ? "cancelling the backup of guest " + vmid : "guest " + vmid + " has no backup running");
            return c ? ExitCodes.OK : ExitCodes.REFUSED;
        }
    }

    @Command(name = "export-snapshot", mixinStandardHelpOptions = true,
            description = {"Pull mode: fix the point in time of a running guest with fleecing images and export it",
                    "read-only over NBD for an external backup tool (TRIM frees fleecing space). End with: shear release."})
    static final class ExportSnapshot implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;
        @Option(names = "--fleecing-storage", required = true, paramLabel = "ID",
                description = "image storage for the fleecing images (prefer fast, local, with discard)")
        String storage;

        @Override
        public Integer call() throws Exception {
            JsonNode r = control(Cli.datacenter(spec), vmid, "export-snapshot", Map.of("storage", storage));
            PrintWriter out = Cli.out(spec);
            out.println("point-in-time snapshot of guest " + vmid + " exported read-only:");
            r.path("exports").fields().forEachRemaining(e -> out.println("  " + e.getKey() + "  " + e.getValue().asText()));
            out.println("release it with: shear release " + vmid);
            return ExitCodes.OK;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "End a pull-mode snapshot export and free its fleecing images.")
    static final class Release implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;

        @Override
        public Integer call() throws Exception {
            boolean r = control(Cli.datacenter(spec), vmid, "release", Map.of()).path("released").asBoolean();
            Cli.out(spec).println(r ? "released the snapshot of guest " + vmid : "guest " + vmid + " exports no snapshot");
            return r ? ExitCodes.OK : ExitCodes.REFUSED;
        }
    }
}
