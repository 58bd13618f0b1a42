package dev.shear.control;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.SnapshotSession;
import dev.shear.block.WritebackPacer;
import dev.shear.copy.OnCbwError;
import dev.shear.copy.SnapshotAccessNode;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import dev.shear.datacenter.vzdump.BackupService;
import dev.shear.datacenter.vzdump.FleecingImages;
import dev.shear.nbd.ExportRegistry;
import dev.shear.nbd.NbdExport;
import dev.shear.nbd.NbdServer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/// A running guest hosted in this process: its disks open (image ← dirty-bitmap tracker ← seat),
/// each served writable over NBD *through the engine*, so a backup can put copy-before-write into
/// the path at any moment; a control socket for other Shear processes; live backups; and pull-mode
/// snapshot exports.
///
/// One backup or snapshot export at a time. [#close()] cancels a running backup, releases an
/// exported snapshot, stops serving, flushes the disks and saves their dirty bitmaps.
public final class GuestRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuestRuntime.class.getName());

    /// Where to listen.
    ///
    /// @param host          NBD bind address (default 127.0.0.1)
    /// @param port          NBD port, 0 for any free one
    /// @param controlSocket whether to open the control socket (the app's own guests may not need one)
    public record Options(String host, int port, boolean controlSocket) {
        public static Options defaults() {
            return new Options("127.0.0.1", 0, true);
        }
    }

    private final Datacenter dc;
    private final OpenGuest guest;
    private final NbdServer nbd;
    /// Set once right after start; null when there is no control socket.
    private volatile ControlServer control;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private final Map<String, String> exports;
    /// Guarded by `this`.
    private BackupRun backup;
    /// Guarded by `this`: the exported snapshot, its images and its fleecing volumes, or null.
    private PullExport pull;
    private boolean closed;
    /// Writes the disks' page-cache data out in small batches while the guest runs (decision 0018).
    private final WritebackPacer pacer;

    private record PullExport(SnapshotSession session, List<FleecingImages.Image> images, List<VolumeId> recorded,
                              Map<String, String> uris, TaskLog log) {
    }

    private GuestRuntime(Datacenter dc, OpenGuest guest, NbdServer nbd, Map<String, String> exports,
            WritebackPacer pacer) {
        this.dc = dc;
        this.guest = guest;
        this.nbd = nbd;
        this.exports = exports;
        this.pacer = pacer;
    }

    /// Opens guest `vmid` and starts serving it.
    ///
    /// @throws dev.shear.datacenter.run.GuestBusyException when it is open elsewhere (running already)
    public static GuestRuntime start(Datacenter dc, int vmid, Options options) throws IOException {
        OpenGuest guest = OpenGuest.open(dc, dc.guests().get(vmid), "run");
        NbdServer nbd = null;
        ControlServer control = null;
        WritebackPacer pacer = null;
        try {
            pacer = WritebackPacer.start("shear-writeback-" + vmid,
                    guest.disks().stream().map(OpenGuest.Disk::image).toList(), WritebackPacer.ALWAYS);
            ExportRegistry registry = new ExportRegistry();
            for (OpenGuest.Disk d : guest.disks()) {
                registry.add(new NbdExport(d.key(), d.seat(), false, "guest " + vmid + " disk " + d.key(),
                        List.of(new DirtyBitmapContext(d.bitmap()))));
            }
            nbd = NbdServer.start(registry, new NbdServer.Tcp(options.host(), options.port()));
            Map<String, String> exports = new LinkedHashMap<>();
            for (OpenGuest.Disk d : guest.disks()) {
                exports.put(d.key(), nbd.uri(d.key()));
            }
            GuestRuntime rt = new GuestRuntime(dc, guest, nbd, exports, pacer);
            if (options.controlSocket()) {
                control = ControlServer.start(new GuestRuns(dc.root()).controlSocket(vmid), new ControlHandler(rt));
                rt.control = control;
            }
            rt.publish();
            ServedWarmup.startInBackground();       // before a backup's copy-before-write meets the guest
            return rt;
        } catch (IOException | RuntimeException e) {
            if (control != null) {
                control.close();
            }
            if (nbd != null) {
                nbd.close();
            }
            if (pacer != null) {
                pacer.close();
            }
            guest.close();
            throw e;
        }
    }

    public int vmid() {
        return guest.vmid();
    }

    /// The open disks (their seats are where in-process guest I/O goes).
    public OpenGuest guest() {
        return guest;
    }

    /// Disk key → NBD URI of the writable disk exports.
    public Map<String, String> exports() {
        return java.util.Collections.unmodifiableMap(exports);
    }

    /// Starts a live backup in this process.
    ///
    /// @throws IllegalStateException when a backup or snapshot export is already running
    public synchronized BackupRun backup(BackupRequest request, Consumer<BackupEvent> listener) throws IOException {
        ensureOpen();
        if (backup != null && !backup.isDone()) {
            throw new IllegalStateException("guest " + vmid() + " is being backed up already");
        }
        backup = new BackupService(dc).start(request, guest, listener);
        return backup;
    }

    /// The backup running now, or null.
    public synchronized BackupRun currentBackup() {
        return backup != null && !backup.isDone() ? backup : null;
    }

    /// Pull mode: fixes the point in time of all disks with fleecing images on `fleecingStorage`
    /// and exports each disk's snapshot read-only over NBD as `<disk>-snapshot`. TRIM from the
    /// reader frees fleecing space. Returns disk key → snapshot URI.
    public synchronized Map<String, String> exportSnapshot(String fleecingStorage) throws IOException {
        ensureOpen();
        if (pull != null) {
            throw new IllegalStateException("guest " + vmid() + " already exports a snapshot; release it first");
        }
        if (backup != null && !backup.isDone()) {
            throw new IllegalStateException("guest " + vmid() + " is being backed up; wait for it to finish");
        }
        dc.guests().lock(vmid(), GuestLock.BACKUP);
        TaskLog log = dc.tasks().start("export-snapshot", vmid());
        FleecingImages fleecing = new FleecingImages(dc);
        List<FleecingImages.Image> images = List.of();
        List<VolumeId> recorded = new ArrayList<>();
        SnapshotSession session = null;
        try {
            fleecing.cleanupLeftovers(vmid(), log);
            Map<String, Long> sizes = new LinkedHashMap<>();
            guest.disks().forEach(d -> sizes.put(d.key(), d.disk().size()));
            images = fleecing.allocate(vmid(), fleecingStorage, sizes, log);
            images.forEach(i -> recorded.add(i.volume()));
            List<SnapshotSession.Disk> disks = new ArrayList<>();
            for (int i = 0; i < guest.disks().size(); i++) {
                disks.add(new SnapshotSession.Disk(guest.disks().get(i).key(), guest.disks().get(i).seat(),
                        images.get(i).node()));
            }
            session = SnapshotSession.start(disks, OnCbwError.BREAK_SNAPSHOT, 45);
            Map<String, String> uris = new LinkedHashMap<>();
            List<SnapshotAccessNode> snaps = session.snapshots();
            for (int i = 0; i < snaps.size(); i++) {
                String name = guest.disks().get(i).key() + "-snapshot";
                // writable at the protocol level so the reader can TRIM finished ranges; writes get EPERM
                nbd.registry().add(new NbdExport(name, snaps.get(i), false, "point-in-time snapshot of guest "
                        + vmid() + " disk " + guest.disks().get(i).key()));
                uris.put(guest.disks().get(i).key(), nbd.uri(name));
            }
            log.log("exported snapshot: " + uris);
            pull = new PullExport(session, images, recorded, uris, log);
            publish();
            return uris;
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                for (var d : guest.disks()) {
                    removeExport(d.key() + "-snapshot");
                }
                session.close();
            }
            fleecing.release(vmid(), images, recorded, log);
            dc.guests().unlock(vmid(), GuestLock.BACKUP);
            log.fail(e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        }
    }

    /// Ends a pull-mode export: stops the snapshot exports, takes the filters out, frees the
    /// fleecing images and unlocks the guest. False when nothing was exported.
    public synchronized boolean release() throws IOException {
        if (pull == null) {
            return false;
        }
        PullExport p = pull;
        pull = null;
        for (var d : guest.disks()) {
            removeExport(d.key() + "-snapshot");
        }
        IOException broken = p.session().brokenError();
        p.session().close();
        new FleecingImages(dc).release(vmid(), p.images(), p.recorded(), p.log());
        dc.guests().unlock(vmid(), GuestLock.BACKUP);
        if (broken != null) {
            p.log().fail("the snapshot broke while exported: " + broken.getMessage());
        } else {
            p.log().ok();
        }
        publish();
        return true;
    }

    /// Disk key → snapshot URI while a snapshot is exported, else empty.
    public synchronized Map<String, String> snapshotExports() {
        return pull == null ? Map.of() : pull.uris();
    }

    private void removeExport(String name) {
        try {
            nbd.registry().remove(name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalArgumentException e) {
            LOG.log(Level.DEBUG, "no export " + name);
        }
    }

    /// Waits until the guest has stopped (by [#close()], e.g. through the control socket's `stop`).
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private void publish() throws IOException {
        Map<String, String> all = new LinkedHashMap<>(exports);
        if (pull != null) {
            pull.uris().forEach((k, v) -> all.put(k + "-snapshot", v));
        }
        ControlServer c = control;
        guest.claim().publish(all, c == null ? "" : c.path().toString());
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("guest " + vmid() + " has stopped");
        }
    }

    /// Stops the guest: cancels a backup (and waits for it), releases a snapshot export, stops NBD
    /// and the control socket, flushes the disks and saves their dirty bitmaps.
    @Override
    public void close() throws IOException {
        BackupRun running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = backup;
        }
        if (running != null && !running.isDone()) {
            running.cancel();
            try {
                running.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        IOException first = null;
        try {
            release();
        } catch (IOException e) {
            first = e;
        }
        pacer.close();                           // never throws; stopped before the disks close
        try {
            if (control != null) {
                control.close();
            }
            nbd.close();
            guest.close();
        } catch (IOException e) {
            first = first == null ? e : first;
        } finally {
            stopped.countDown();
        }
        if (first != null) {
            throw first;
        }
    }
}
