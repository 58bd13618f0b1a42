package dev.shear.datacenter.vzdump;

import dev.shear.backup.FleecingGranularity;
import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.VolumeName;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/// The fleecing-image lifecycle of Proxmox VE (`vzdump --fleecing`), step by step:
///
/// 1. [#cleanupLeftovers]: free images an earlier run of this guest left recorded;
/// 2. [#allocate]: for each disk, pick `vm-<vmid>-fleece-<n>` on the fleecing storage (qcow2 where
///    allowed, else the storage's default format), **record it in the guest config first**, then
///    create it with exactly the disk's size and open it;
/// 3. the backup uses the images (discard on: the fleecing image shrinks as the backup advances);
/// 4. [#release]: after success *or* failure, close, free and un-record them; an image that cannot
///    be freed stays recorded so the next backup or `shear cleanup` retries.
///
/// Recording before creating (Proxmox records right after) means a crash at any instant leaves
/// every image that exists recorded — never an orphan only a directory scan would find.
public final class FleecingImages {
    private final Datacenter dc;

    public FleecingImages(Datacenter dc) {
        this.dc = dc;
    }

    /// An image in use: the disk it serves, its volume and its open node.
    public record Image(String disk, VolumeId volume, BlockNode node) {
    }

    /// Frees every fleecing image recorded for guest `vmid` (missing files count as freed) and
    /// un-records the freed ones. Returns the bytes freed.
    public long cleanupLeftovers(int vmid, TaskLog log) throws IOException {
        GuestConfig g = dc.guests().get(vmid);
        if (g.fleecing().isEmpty()) {
            return 0;
        }
        long freed = 0;
        List<VolumeId> removed = new ArrayList<>();
        for (VolumeId v : g.fleecing()) {
            try {
                Storage s = dc.storages().get(v.storage());
                long bytes = allocatedBytes(s, v.name());
                s.free(v.name());
                freed += bytes;
                removed.add(v);
                log.log("removing (old) fleecing image '" + v + "' (" + Sizes.format(bytes) + ")");
            } catch (IOException e) {
                log.log("could not remove fleecing image '" + v + "': " + e.getMessage() + " (it stays recorded)");
            }
        }
        unrecord(vmid, removed);
        return freed;
    }

    static long allocatedBytes(Storage s, VolumeName name) throws IOException {
        if (!s.exists(name)) {
            return 0;
        }
        try (dev.shear.block.NativeFile nf = dev.shear.block.NativeFile.open(s.pathOf(name), false)) {
            return nf.allocatedBytes();
        }
    }

    /// Records, creates and opens one fleecing image per disk (`disk key → size`) on `storageId`.
    /// On failure everything already done is undone (as far as possible) before it throws.
    public List<Image> allocate(int vmid, String storageId, Map<String, Long> disks, TaskLog log) throws IOException {
        Storage storage = dc.storages().get(storageId);
        if (!storage.config().content().contains(Content.IMAGES)) {
            throw new IllegalArgumentException("fleecing storage '" + storageId
                    + "' does not hold images (content images); pick an image storage, ideally fast and local");
        }
        ImageFormat format = storage.config().formatFor(ImageFormat.QCOW2);
        List<VolumeName> names = storage.freeNames(vmid, VolumeKind.FLEECE, format, disks.size());
        List<VolumeId> ids = names.stream().map(n -> new VolumeId(storageId, n)).toList();
        dc.guests().update(vmid, c -> c.withFleecing(concat(c.fleecing(), ids)));
        Map<String, VolumeId> byDisk = new LinkedHashMap<>();
        int i = 0;
        for (String disk : disks.keySet()) {
            byDisk.put(disk, ids.get(i++));
        }
        List<Image> images = new ArrayList<>();
        boolean ok = false;
        try {
            for (var e : byDisk.entrySet()) {
                VolumeId v = e.getValue();
                long size = disks.get(e.getKey());
                storage.allocateWithClusters(v.name(), size, FleecingGranularity.forDisk(size));
                images.add(new Image(e.getKey(), v, storage.open(v.name(), true)));
                log.log("allocated fleecing image '" + v + "' for " + e.getKey() + " (" + format.id() + ", "
                        + Sizes.format(size) + ", copy-before-write granularity "
                        + Sizes.format(FleecingGranularity.forDisk(size)) + ")");
            }
            ok = true;
            return images;
        } finally {
            if (!ok) {
                release(vmid, images, ids, log);
            }
        }
    }

    /// Closes and frees `images` (and any other of `recorded` that exists), un-recording each one
    /// freed. Never throws for a single image: failures are logged and stay recorded.
    public void release(int vmid, List<Image> images, List<VolumeId> recorded, TaskLog log) throws IOException {
        for (Image img : images) {
            try {
                img.node().close();
            } catch (IOException e) {
                log.log("closing fleecing image '" + img.volume() + "' failed: " + e.getMessage());
            }
        }
        List<VolumeId> removed = new ArrayList<>();
        for (VolumeId v : recorded) {
            try {
                Storage s = dc.storages().get(v.storage());
                s.free(v.name());
                removed.add(v);
                log.log("removed fleecing image '" + v + "'");
            } catch (IOException e) {
                log.log("could not remove fleecing image '" + v + "': " + e.getMessage()
                        + " (it stays recorded; the next backup or 'shear cleanup' removes it)");
            }
        }
        unrecord(vmid, removed);
    }

    private void unrecord(int vmid, List<VolumeId> removed) throws IOException {
        if (!removed.isEmpty()) {
            dc.guests().update(vmid, c -> c.withFleecing(c.fleecing().stream().filter(v -> !removed.contains(v)).toList()));
        }
    }

    private static List<VolumeId> concat(List<VolumeId> a, List<VolumeId> b) {
        List<VolumeId> out = new ArrayList<>(a);
        for (VolumeId v : b) {
            if (!out.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }
}
