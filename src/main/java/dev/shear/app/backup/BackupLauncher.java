package dev.shear.app.backup;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.app.common.Errors;
import dev.shear.app.guest.GuestHost;
import dev.shear.app.guest.GuestState;
import dev.shear.app.guest.GuestStates;
import dev.shear.backup.BackupEvent;
import dev.shear.backup.BackupJob;
import dev.shear.control.BackupArgs;
import dev.shear.control.ControlClient;
import dev.shear.control.ControlException;
import dev.shear.control.ControlProtocol;
import dev.shear.control.EventJson;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import dev.shear.datacenter.vzdump.BackupService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/// Starts a backup wherever the guest is: through the engine in this process (a guest this app
/// runs, or a stopped guest the backup opens itself), or through the control socket of the Shear
/// process that runs it. Either way the events feed a [LiveBackup].
///
/// [#start] does I/O: call it off the UI thread. Thread-safe.
public final class BackupLauncher {
    private static final System.Logger LOG = System.getLogger(BackupLauncher.class.getName());
    private final Datacenter dc;
    private final BackupService service;
    private final GuestHost host;
    private final GuestStates states;

    public BackupLauncher(Datacenter dc, GuestHost host, GuestStates states) {
        this.dc = dc;
        this.service = new BackupService(dc);
        this.host = host;
        this.states = states;
    }

    /// Starts backing up `request.vmid()`.
    ///
    /// @throws IOException              when the guest cannot be backed up now (locked, busy, …)
    /// @throws IllegalArgumentException for options the engine refuses
    public LiveBackup start(BackupRequest request) throws IOException {
        GuestConfig guest = dc.guests().get(request.vmid());
        LiveBackup live = new LiveBackup(request, guest.name(), guest.disks().stream().map(GuestDisk::key).toList());
        GuestState state = states.of(request.vmid());
        switch (state) {
            case GuestState.RunningHere h -> {
                var hosted = host.hosted(request.vmid()).orElseThrow(() -> new IOException("guest " + request.vmid()
                        + " was stopped just now; try again"));
                local(live, hosted.backup(request, live::accept));
            }
            case GuestState.Stopped s -> local(live, service.start(request, null, live::accept));
            case GuestState.RunningElsewhere r -> {
                if (r.info().controlSocket().isEmpty()) {
                    throw new IOException("guest " + request.vmid() + " is " + r.describe() + ", which has no control"
                            + " socket; back it up from that process");
                }
                remote(live, Path.of(r.info().controlSocket()));
            }
            case GuestState.Busy b -> throw new IOException("guest " + request.vmid() + " cannot be backed up now: its "
                    + b.describe());
        }
        return live;
    }

    private static void local(LiveBackup live, BackupRun run) {
        live.attach(new LiveBackup.Handle() {
            @Override
            public void cancel() {
                run.cancel();
            }

            @Override
            public List<BackupJob> jobs() {
                return run.jobs();
            }

            @Override
            public boolean local() {
                return true;
            }
        });
        Thread.ofVirtual().name("shear-app-backup-" + live.vmid()).start(() -> {
            try {
                live.finish(run.await());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                live.finish(failed(live, "interrupted"));
            }
        });
    }

    private static void remote(LiveBackup live, Path socket) {
        live.attach(new LiveBackup.Handle() {
            @Override
            public void cancel() {
                Thread.ofVirtual().start(() -> {
                    try {
                        ControlClient.call(socket, "cancel", Map.of(), e -> { });
                    } catch (IOException | ControlException e) {
                        live.accept(new BackupEvent.Log("app", "could not cancel: " + Errors.describe(e),
                                java.time.Instant.now()));
                    }
                });
            }

            @Override
            public List<BackupJob> jobs() {
                return List.of();
            }

            @Override
            public boolean local() {
                return false;
            }
        });
        Thread.ofVirtual().name("shear-app-remote-backup-" + live.vmid()).start(() -> {
            try {
                JsonNode result = ControlClient.call(socket, "backup", Map.of("args", BackupArgs.of(live.request())), n -> {
                    BackupEvent e = EventJson.fromJson(n);
                    if (e != null) {
                        live.accept(e);
                    }
                });
                live.finish(ControlProtocol.mapper().treeToValue(result, BackupOutcome.class));
            } catch (IOException | ControlException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "remote backup failed", e);
                live.finish(failed(live, Errors.describe(e)));
            }
        });
    }

    private static BackupOutcome failed(LiveBackup live, String error) {
        return new BackupOutcome(false, null, live.request().incremental() ? "incremental" : "full", error, null, 0, 0);
    }
}
