package dev.shear.datacenter.vzdump;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.vzdump.StaleCleanup.Item;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/// Removes one item of a cleanup plan, re-checking under its guest's config lock that it is still
/// stale: an operation that starts meanwhile (a backup, a restore) takes that lock before it
/// touches anything of the guest, so it either sees the item gone or the removal sees it live.
final class StaleRemoval {
    private final Datacenter dc;
    private final FleecingImages fleecing;
    private final Archives archives;

    StaleRemoval(Datacenter dc) {
        this.dc = dc;
        this.fleecing = new FleecingImages(dc);
        this.archives = new Archives(dc);
    }

    /// Removes `item`; returns null when it did, else why it is no longer stale (it is left).
    ///
    /// @throws IOException when it is still stale but cannot be removed
    String remove(Item item, TaskLog log) throws IOException {
        return dc.guests().withGuestLock(item.vmid(), () -> {
            Optional<GuestConfig> guest = dc.guests().find(item.vmid());
            GuestLock lock = guest.map(GuestConfig::lock).orElse(null);
            if (lock != null && lock.owner().isAlive()) {
                return "guest " + item.vmid() + " is locked now (" + lock + ")";
            }
            return switch (item.kind()) {
                case RECORDED_FLEECING_IMAGE -> recorded(item, guest.orElse(null), log);
                case ORPHAN_FLEECING_IMAGE -> orphan(item, guest.orElse(null));
                case INCOMPLETE_ARCHIVE -> incompleteArchive(item);
                case UNFINISHED_GUEST -> unfinished(item, lock);
                case STALE_LOCK -> staleLock(item, lock);
            };
        });
    }

    private String recorded(Item item, GuestConfig g, TaskLog log) throws IOException {
        VolumeId v = VolumeId.parse(item.target());
        if (g == null || !g.fleecing().contains(v)) {
            return "it is no longer recorded";
        }
        if (OpenFiles.now().isOpen(item.path())) {
            return "a live process has it open";
        }
        fleecing.release(item.vmid(), List.of(), List.of(v), log);
        if (dc.guests().get(item.vmid()).fleecing().contains(v)) {
            throw new IOException("it could not be freed (the task log says why); it stays recorded");
        }
        return null;
    }

    private String orphan(Item item, GuestConfig g) throws IOException {
        VolumeId v = VolumeId.parse(item.target());
        if (g != null && g.fleecing().contains(v)) {
            return "guest " + g.vmid() + " records it now";
        }
        Storage s = dc.storages().get(v.storage());
        if (!s.exists(v.name())) {
            return "it is gone already";
        }
        if (OpenFiles.now().isOpen(s.pathOf(v.name()))) {
            return "a live process has it open";
        }
        s.free(v.name());
        return null;
    }

    private String incompleteArchive(Item item) throws IOException {
        Archive a;
        try {
            a = archives.find(item.target());
        } catch (NotFoundException gone) {
            return "it is gone already";
        }
        Archive.State state = a.state();
        if (state != Archive.State.INCOMPLETE) {
            return "it is " + state.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " now";
        }
        if (OpenFiles.now().anyOpenIn(a.dir())) {
            return "a live process has a file of it open";
        }
        archives.remove(a);
        return null;
    }

    private String unfinished(Item item, GuestLock lock) throws IOException {
        if (lock == null || !StaleCleanup.leavesUnfinishedGuest(lock)) {
            return lock == null ? "guest " + item.vmid() + " is gone or finished" : "its lock is now " + lock;
        }
        if (new GuestRuns(dc.root()).holder(item.vmid()).isPresent()) {
            return "guest " + item.vmid() + " is open now";
        }
        OpenFiles open = OpenFiles.now();
        for (VolumeId v : dc.guests().get(item.vmid()).volumes()) {
            if (open.isOpen(dc.storages().get(v.storage()).pathOf(v.name()))) {
                return v + " is open by a live process";
            }
        }
        dc.guests().destroy(item.vmid());
        return null;
    }

    private String staleLock(Item item, GuestLock lock) throws IOException {
        if (lock == null) {
            return "the lock is gone already";
        }
        dc.guests().clearStaleLock(item.vmid());
        return null;
    }
}
