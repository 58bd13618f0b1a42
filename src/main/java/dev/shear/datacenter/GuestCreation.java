package dev.shear.datacenter;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/// Creates a guest in an order that survives a crash at any point (Proxmox VE's
/// `create_and_lock_config`, plus recording volumes before they exist):
/// 1. under the guest's config lock: refuse an existing guest, choose free volume names, and write
///    the configuration with every disk **and** a `create` lock of this process;
/// 2. allocate each disk (and let the filler write into it);
/// 3. clear the `create` lock.
///
/// A failure in step 2 frees what was allocated and removes the configuration. After a crash the
/// configuration remains with a stale `create` lock and lists every volume that may exist, so
/// [Guests#destroy] cleans it up.
final class GuestCreation {
    private final Guests guests;
    private final Storages storages;

    GuestCreation(Guests guests, Storages storages) {
        this.guests = guests;
        this.storages = storages;
    }

    GuestConfig run(GuestSpec spec, DiskFiller filler, String lockKind) throws IOException {
        int vmid = spec.vmid();
        GuestConfig planned = guests.withGuestLock(vmid, () -> {
            GuestConfig c = new GuestConfig(vmid, spec.name(), spec.description(), plan(spec),
                    GuestLock.held(lockKind), List.of());
            guests.createConfig(c);
            return c;
        });
        List<GuestDisk> allocated = new ArrayList<>();
        try {
            for (GuestDisk d : planned.disks()) {
                Storage storage = storages.get(d.volume().storage());
                storage.allocate(d.volume().name(), d.size());
                allocated.add(d);
                if (filler != null) {
                    try (BlockNode node = storage.open(d.volume().name(), true)) {
                        filler.fill(d, node);
                        node.flush();
                    }
                }
            }
            return guests.unlock(vmid, lockKind);
        } catch (IOException | RuntimeException | Error e) {
            rollBack(planned, allocated, lockKind, e);
            throw e;
        }
    }

    /// The disks with their volume names: the lowest free indexes on each storage.
    private List<GuestDisk> plan(GuestSpec spec) throws IOException {
        Map<String, Integer> used = new HashMap<>();
        List<GuestDisk> disks = new ArrayList<>();
        for (GuestSpec.DiskSpec d : spec.disks()) {
            Storage storage;
            try {
                storage = storages.get(d.storage());
            } catch (NotFoundException e) {
                throw new NotFoundException("disk " + d.bus().id() + d.index() + " of guest " + spec.vmid()
                        + ": storage '" + d.storage() + "' does not exist");
            }
            ImageFormat format = d.format() != null ? d.format() : storage.config().defaultFormat();
            int k = used.merge(d.storage(), 1, Integer::sum) - 1;
            VolumeName name = storage.freeNames(spec.vmid(), VolumeKind.DISK, format, k + 1).get(k);
            storage.checkAllocation(name, d.size());
            disks.add(new GuestDisk(d.bus(), d.index(), new VolumeId(d.storage(), name), d.size()));
        }
        return disks;
    }

    /// Frees the allocated disks and removes the configuration; what cannot be undone is added to
    /// `cause` as suppressed (and then the configuration stays, so destroy can finish the job).
    private void rollBack(GuestConfig planned, List<GuestDisk> allocated, String lockKind, Throwable cause) {
        boolean clean = true;
        for (GuestDisk d : allocated) {
            try {
                storages.get(d.volume().storage()).free(d.volume().name());
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
                clean = false;
            }
        }
        if (!clean) {
            return;
        }
        int vmid = planned.vmid();
        try {
            guests.withGuestLock(vmid, () -> {
                GuestLock lock = guests.get(vmid).lock();
                if (lock != null && lock.kind().equals(lockKind) && lock.owner().isSameProcess(ProcessOwner.current())) {
                    guests.deleteConfig(vmid);
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }
}
