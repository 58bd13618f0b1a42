package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.BackupOptions;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.run.OpenGuest;
import java.io.IOException;
import java.time.Instant;
import java.util.function.Consumer;

/// Backs up guests the way `vzdump` does: one task per guest, under the guest's `backup` lock, to
/// a new archive on a backup storage, optionally with fleecing images and incrementally.
///
/// [#start] checks everything it can before changing anything (guest, storages, options, locks)
/// and throws then; once it returns, the backup runs in the background and every outcome —
/// success, failure, cancel — is a [BackupOutcome] with its task log. A backup always leaves the
/// guest unlocked, its fleecing images freed (or recorded for cleanup) and either a complete archive
/// or none.
public final class BackupService {
    private final Datacenter dc;

    public BackupService(Datacenter dc) {
        this.dc = dc;
    }

    public Datacenter datacenter() {
        return dc;
    }

    /// Starts backing up `request.vmid()`.
    ///
    /// @param open     the guest's disks when this process serves them (a running guest); null to
    ///                 open them here for the backup (the guest must not be open elsewhere)
    /// @param listener receives engine events and log lines (quick; called from engine threads)
    /// @throws IllegalArgumentException for invalid options or storages
    /// @throws IOException              when the guest does not exist or is locked by a live process
    public BackupRun start(BackupRequest request, OpenGuest open, Consumer<BackupEvent> listener) throws IOException {
        TaskLog log = dc.tasks().start("backup", request.vmid());
        try {
            GuestConfig guest = dc.guests().get(request.vmid());
            Storage target = dc.storages().get(request.storage());
            if (!target.config().content().contains(Content.BACKUP)) {
                throw new IllegalArgumentException("storage '" + target.id() + "' does not hold backups (its content is "
                        + target.config().content() + "); choose a storage with content backup");
            }
            if (request.fleecing().enabled()) {
                Storage f = dc.storages().get(request.fleecing().storage());
                if (!f.config().content().contains(Content.IMAGES)) {
                    throw new IllegalArgumentException("fleecing storage '" + f.id()
                            + "' does not hold images; prefer a fast local storage with discard and thin provisioning");
                }
            }
            BackupOptions options = request.engineOptions();
            if (open != null && open.vmid() != request.vmid()) {
                throw new IllegalArgumentException("open guest " + open.vmid() + " is not guest " + request.vmid());
            }
            takeLock(guest, log);
        } catch (IOException | RuntimeException e) {
            log.fail(oneLine(e));
            throw e;
        }
        BackupRun run = new BackupRun(log.id(), request.vmid());
        Consumer<BackupEvent> sink = event -> {
            listener.accept(event);
            logEvent(log, event);
        };
        Thread.ofPlatform().name("shear-vzdump-" + request.vmid()).daemon().start(() ->
                run.outcome.complete(new BackupProcedure(dc, request, open, log, sink, run).run()));
        return run;
    }

    /// Takes the guest's `backup` lock; a `backup` lock left by a dead process is cleared first,
    /// any other dead lock (a restore that died) is refused: the guest needs `shear cleanup`.
    private void takeLock(GuestConfig guest, TaskLog log) throws IOException {
        GuestLock lock = guest.lock();
        if (lock != null && lock.kind().equals(GuestLock.BACKUP) && !lock.owner().isAlive()) {
            log.log("clearing stale lock '" + lock.kind() + "' of " + lock.owner() + " (its process is gone)");
            dc.guests().clearStaleLock(guest.vmid());
        } else if (lock != null && !lock.owner().isAlive()) {
            // a restore, creation or destruction died half-way: the disks are not a guest to back up
            throw new IllegalStateException("guest " + guest.vmid() + " was left half-done by a '" + lock.kind()
                    + "' that died (" + lock.owner() + "); run 'shear cleanup' first");
        } else if (lock != null) {
            throw new GuestLockedException(guest.vmid(), lock, true);
        }
        dc.guests().lock(guest.vmid(), GuestLock.BACKUP);
    }

    private static void logEvent(TaskLog log, BackupEvent event) {
        try {
            switch (event) {
                case BackupEvent.Log l -> log.log(l.message());
                case BackupEvent.StateChanged s -> log.log(s.disk() + ": " + s.state().name().toLowerCase()
                        + (s.error() == null ? "" : ": " + s.error()));
                case BackupEvent.Progress p -> {
                    // the task log gets milestones, not every tick
                }
            }
        } catch (IOException | IllegalStateException e) {
            // the task log is best effort once the task has ended; the outcome carries the result
            System.getLogger(BackupService.class.getName()).log(System.Logger.Level.WARNING, "task log not written: " + e);
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    static BackupEvent.Log line(int vmid, String message) {
        return new BackupEvent.Log("vzdump-" + vmid, message, Instant.now());
    }
}
