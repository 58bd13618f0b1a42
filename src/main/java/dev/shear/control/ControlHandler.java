package dev.shear.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRun;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/// The commands a running guest answers on its control socket: `status`, `backup` (streams
/// progress events, returns the outcome), `cancel`, `export-snapshot`, `release`, `stop`.
final class ControlHandler implements ControlServer.Handler {
    private static final System.Logger LOG = System.getLogger(ControlHandler.class.getName());
    private final GuestRuntime rt;
    private final ObjectMapper json = ControlProtocol.mapper();

    ControlHandler(GuestRuntime rt) {
        this.rt = rt;
    }

    @Override
    public JsonNode handle(String cmd, JsonNode args, ControlServer.Events events) throws ControlException {
        try {
            return switch (cmd) {
                case "status" -> json.valueToTree(status());
                case "backup" -> json.valueToTree(backup(args, events));
                case "cancel" -> {
                    BackupRun b = rt.currentBackup();
                    if (b != null) {
                        b.cancel();
                    }
                    yield json.valueToTree(Map.of("cancelled", b != null));
                }
                case "export-snapshot" -> json.valueToTree(Map.of("exports",
                        rt.exportSnapshot(args.path("storage").asText(""))));
                case "release" -> json.valueToTree(Map.of("released", rt.release()));
                case "stop" -> {
                    events.afterReply(() -> Thread.ofPlatform().name("shear-stop").start(this::stop));
                    yield json.valueToTree(Map.of("stopping", true));
                }
                default -> throw new ControlException(ControlProtocol.USAGE, "unknown command '" + cmd
                        + "' (status, backup, cancel, export-snapshot, release, stop)");
            };
        } catch (IllegalArgumentException e) {
            throw new ControlException(ControlProtocol.USAGE, e.getMessage());
        } catch (IllegalStateException | GuestLockedException | NotFoundException e) {
            throw new ControlException(ControlProtocol.CONFLICT, e.getMessage());
        } catch (IOException e) {
            throw new ControlException(ControlProtocol.FAILED, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlException(ControlProtocol.FAILED, "interrupted");
        }
    }

    private Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("vmid", rt.vmid());
        s.put("exports", rt.exports());
        s.put("snapshot", rt.snapshotExports());
        BackupRun b = rt.currentBackup();
        s.put("backup", b == null ? null : Map.of("task", b.task().toString()));
        return s;
    }

    private BackupOutcome backup(JsonNode args, ControlServer.Events events) throws IOException, InterruptedException {
        BackupArgs a = json.treeToValue(args.path("args"), BackupArgs.class);
        if (a == null) {
            throw new IllegalArgumentException("backup needs args");
        }
        AtomicBoolean clientGone = new AtomicBoolean();
        BackupRun run = rt.backup(a.toRequest(rt.vmid()), e -> {
            if (!clientGone.get()) {
                try {
                    events.send(EventJson.toJson(e));
                } catch (IOException ex) {
                    clientGone.set(true);
                    LOG.log(Level.INFO, "backup client of guest " + rt.vmid() + " went away; the backup goes on");
                }
            }
        });
        return run.await();
    }

    private void stop() {
        try {
            rt.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "stopping guest " + rt.vmid() + ": " + e.getMessage());
        }
    }
}
