package dev.shear.datacenter;

import dev.shear.util.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/// Destroys a guest (see [Guests#destroy]): mark it with a `destroy` lock, free every volume it
/// references and every other `vm-<vmid>-…` volume on the image storages (Proxmox VE also purges
/// unreferenced volumes of a destroyed guest), remove its dirty bitmaps, and remove the
/// configuration last.
final class GuestDestruction {
    private static final System.Logger LOG = System.getLogger(GuestDestruction.class.getName());

    private final Guests guests;
    private final Storages storages;
    private final DatacenterRoot root;

    GuestDestruction(Guests guests, Storages storages, DatacenterRoot root) {
        this.guests = guests;
        this.storages = storages;
        this.root = root;
    }

    void run(int vmid) throws IOException {
        GuestLock[] previous = new GuestLock[1];
        GuestConfig marked = guests.update(vmid, c -> {
            if (c.lock() != null && c.lock().owner().isAlive()) {
                throw new GuestLockedException(vmid, c.lock(), true);
            }
            previous[0] = c.lock();
            return c.withLock(GuestLock.held(GuestLock.DESTROY));
        });
        List<String> problems = new ArrayList<>();
        List<Exception> causes = new ArrayList<>();
        Set<VolumeId> volumes = new LinkedHashSet<>(marked.volumes());
        try {
            leftovers(vmid).forEach(volumes::add);
        } catch (IOException e) {
            problems.add("listing leftover volumes: " + e.getMessage());
            causes.add(e);
        }
        for (VolumeId v : volumes) {
            try {
                storages.get(v.storage()).free(v.name());
            } catch (IOException | RuntimeException e) {
                problems.add("cannot free " + v + ": " + e.getMessage());
                causes.add(e);
            }
        }
        if (problems.isEmpty()) {
            try {
                FileTrees.delete(root.bitmapDir(vmid));
            } catch (IOException e) {
                problems.add("cannot remove dirty bitmaps: " + e.getMessage());
                causes.add(e);
            }
        }
        if (!problems.isEmpty()) {
            throw restoreAndFail(vmid, previous[0], problems, causes);
        }
        guests.withGuestLock(vmid, () -> {
            GuestLock lock = guests.get(vmid).lock();
            if (lock == null || !lock.kind().equals(GuestLock.DESTROY) || !lock.owner().isSameProcess(ProcessOwner.current())) {
                throw new IOException("guest " + vmid + " changed while being destroyed (its lock is now "
                        + lock + "); not removing its configuration");
            }
            guests.deleteConfig(vmid);
            return null;
        });
    }

    private IOException restoreAndFail(int vmid, GuestLock previous, List<String> problems, List<Exception> causes) {
        IOException failure = new IOException("could not destroy guest " + vmid + ": " + String.join("; ", problems)
                + ". The guest is kept; fix this and destroy it again");
        causes.forEach(failure::addSuppressed);
        try {
            guests.update(vmid, c -> c.withLock(previous));
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /// Every volume file of guest `vmid` on the readable image storages whose directory exists.
    private List<VolumeId> leftovers(int vmid) throws IOException {
        List<VolumeId> out = new ArrayList<>();
        Listing<StorageConfig> all = storages.list();
        for (ConfigException broken : all.broken()) {
            LOG.log(System.Logger.Level.WARNING, "destroying guest {0}: not looking for leftover volumes on an"
                    + " unreadable storage definition: {1}", vmid, broken.getMessage());
        }
        for (StorageConfig sc : all.items()) {
            if (sc.content().contains(Content.IMAGES) && Files.isDirectory(sc.path())) {
                new Storage(sc).volumes().stream().map(VolumeInfo::id).filter(v -> v.name().vmid() == vmid).forEach(out::add);
            }
        }
        return out;
    }
}
