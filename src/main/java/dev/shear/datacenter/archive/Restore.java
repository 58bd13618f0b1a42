package dev.shear.datacenter.archive;

import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.GuestSpec;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.run.GuestBusyException;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/// Restores a backup archive to a guest, like Proxmox VE's `qmrestore`:
///
/// ```
/// TaskRun<RestoreOutcome> run = new Restore(dc).start("backup:vzdump-qemu-100-2026_01_31-12_00_00", 105,
///         null, false, (done, total) -> { });
/// RestoreOutcome o = run.await();   // o.ok(), o.error(), o.task()
/// ```
///
/// * **Checked first, changing nothing** ([#start] throws): the archive exists and is complete
///   ([IllegalStateException] when incomplete or still being written); the guest does not exist,
///   or with `force` is neither open ([GuestBusyException]) nor locked by a live process
///   ([GuestLockedException]); each disk's storage exists and holds images.
/// * **Where disks go**: on `storage` when given, else on the storage each disk had at backup time
///   (from the manifest's guest configuration); in that storage's default format, with exactly the
///   backed-up size.
/// * **Then a `restore` task** (`shear tasks`): with `force` the existing guest is destroyed first
///   (the log says so); the new guest is created with [dev.shear.datacenter.Guests#create] (crash
///   safe: a crash leaves a guest with a stale lock that `shear cleanup` destroys) and carries a
///   `restore` lock while its disks are written. Each disk is read through its incremental chain
///   (an incremental backup gives the whole disk); only data runs are written (the new disk reads
///   as zeroes already); the SHA-256 computed while copying must equal the manifest's, or the task
///   fails and the half-restored guest is removed — as on any failure or cancel.
/// * The guest's disks are claimed ([GuestRuns]) for the whole task, so nobody opens them half
///   written.
///
/// Thread-safe; each [#start] runs on its own thread.
public final class Restore {
    private final Datacenter dc;
    private final Archives archives;

    public Restore(Datacenter dc) {
        this.dc = dc;
        this.archives = new Archives(dc);
    }

    /// What [#start] checked: the archive, its manifest, the guest to create, and whether an
    /// existing guest is replaced.
    record Plan(Archive archive, Manifest manifest, GuestSpec spec, boolean replace) {
        int vmid() {
            return spec.vmid();
        }
    }

    /// Checks everything, then starts restoring `archiveId` (`storage:name`) to guest `vmid` in
    /// the background.
    ///
    /// @param storage  the image storage for every disk, or null for each disk's original storage
    /// @param force    replace an existing guest `vmid` (it is destroyed first)
    /// @param progress bytes of the disks read so far, of their total size
    /// @throws IllegalArgumentException for a malformed archive id or vmid, or a storage that
    ///                                  cannot hold the disks
    /// @throws IllegalStateException    when the archive is not complete, or the guest exists and
    ///                                  `force` is not set
    /// @throws NotFoundException        when the archive or a storage does not exist
    /// @throws GuestBusyException       when the guest to replace is open
    /// @throws GuestLockedException     when the guest to replace is locked by a live process
    public TaskRun<RestoreOutcome> start(String archiveId, int vmid, String storage, boolean force,
                                         TaskProgress progress) throws IOException {
        Plan plan = plan(archiveId, vmid, storage, force);
        TaskLog log = dc.tasks().start("restore", vmid);
        TaskProgress p = progress == null ? TaskProgress.NONE : progress;
        return TaskRun.start(log.id(), "shear-restore-" + vmid, run -> new RestoreProcedure(dc, plan, log, run, p).run());
    }

    Plan plan(String archiveId, int vmid, String storage, boolean force) throws IOException {
        VolumeName.checkVmid(vmid);
        Archive archive = archives.find(archiveId);
        Manifest manifest = archive.requireComplete("restored");
        Optional<GuestConfig> existing = dc.guests().find(vmid);
        if (existing.isPresent()) {
            checkReplaceable(existing.get(), force);
        }
        GuestConfig backedUp = manifest.guest();
        List<GuestSpec.DiskSpec> disks = new ArrayList<>();
        for (GuestDisk d : backedUp.disks()) {
            Manifest.DiskEntry entry = manifest.disk(d.key());
            if (entry == null) {
                throw new IllegalStateException("backup " + archive.id() + " has no image of disk " + d.key()
                        + " although its guest configuration lists it; the backup is damaged");
            }
            Storage target = target(storage, d);
            ImageFormat format = target.config().defaultFormat();
            if (format == ImageFormat.QCOW2 && entry.size() % 512 != 0) {
                throw new IllegalArgumentException("disk " + d.key() + " is " + entry.size() + " bytes, which a qcow2"
                        + " image cannot hold exactly, and storage '" + target.id() + "' makes qcow2 disks; restore"
                        + " to a storage whose default format is raw (--storage)");
            }
            disks.add(new GuestSpec.DiskSpec(d.bus(), d.index(), target.id(), format, entry.size()));
        }
        GuestSpec spec = new GuestSpec(vmid, backedUp.name(), backedUp.description(), disks);
        return new Plan(archive, manifest, spec, existing.isPresent());
    }

    private void checkReplaceable(GuestConfig g, boolean force) throws IOException {
        int vmid = g.vmid();
        GuestLock lock = g.lock();
        boolean stale = lock != null && !lock.owner().isAlive();
        if (!force) {
            throw new IllegalStateException("guest " + vmid + " exists" + (stale ? " (with a stale " + lock.kind()
                    + " lock: an earlier operation did not finish)" : "") + "; pass --force to replace it (its disks"
                    + " are destroyed first) or restore to a new guest id");
        }
        Optional<RunInfo> holder = new GuestRuns(dc.root()).holder(vmid);
        if (holder.isPresent()) {
            throw new GuestBusyException(vmid, holder.get());
        }
        if (lock != null && !stale) {
            throw new GuestLockedException(vmid, lock, true);
        }
    }

    /// The storage for disk `d`: `storage` when given, else the disk's original storage.
    private Storage target(String storage, GuestDisk d) throws IOException {
        String id = storage != null ? storage : d.volume().storage();
        Storage s;
        try {
            s = dc.storages().get(id);
        } catch (NotFoundException e) {
            throw new NotFoundException(storage != null ? "storage '" + id + "' does not exist"
                    : "disk " + d.key() + " was on storage '" + id + "', which no longer exists; choose a storage"
                    + " with --storage");
        }
        if (!s.config().content().contains(Content.IMAGES)) {
            String content = s.config().content().stream().map(Content::id).toList().toString();
            if (storage != null) {
                throw new IllegalArgumentException("storage '" + id + "' does not hold images (content: " + content
                        + "); choose an image storage");
            }
            throw new IllegalStateException("disk " + d.key() + " was on storage '" + id + "', which does not hold"
                    + " images now (content: " + content + "); choose a storage with --storage");
        }
        return s;
    }
}
