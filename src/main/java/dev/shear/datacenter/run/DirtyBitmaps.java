package dev.shear.datacenter.run;

import dev.shear.bitmap.BitmapFile;
import dev.shear.bitmap.ClusterBitmap;
import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.DatacenterRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/// The persistent dirty bitmaps of guest disks (`bitmaps/<vmid>/<disk>.bitmap` plus
/// `<disk>.json` naming the backup it is relative to) — the basis of incremental backups.
///
/// Like QEMU's in-use flag, [#checkout] *removes* the files when the disk is opened and [#checkin]
/// writes them back when it is closed cleanly: after a crash there is no bitmap, so the next
/// incremental backup falls back to a full one instead of missing writes.
public final class DirtyBitmaps {
    /// What `<disk>.json` holds.
    ///
    /// @param basis the archive (`storage:name`) the bitmap is relative to
    /// @param size  the disk size the bitmap covers
    public record State(String basis, long size) {
    }

    private final DatacenterRoot root;

    public DirtyBitmaps(DatacenterRoot root) {
        this.root = root;
    }

    private Path bitmapFile(int vmid, String disk) {
        return root.bitmapDir(vmid).resolve(disk + ".bitmap");
    }

    private Path stateFile(int vmid, String disk) {
        return root.bitmapDir(vmid).resolve(disk + ".json");
    }

    /// Loads disk `disk`'s bitmap for use and removes it from disk. An absent, damaged or
    /// mismatched bitmap gives an empty, untrusted one with the reason.
    public TrackedBitmap checkout(int vmid, String disk, long size) throws IOException {
        Path bm = bitmapFile(vmid, disk);
        Path st = stateFile(vmid, disk);
        String reason;
        ClusterBitmap bits = null;
        State state = null;
        try {
            state = ConfigFiles.read(st, State.class);
            if (state.size() != size) {
                reason = "the disk was resized since the last backup";
            } else {
                bits = BitmapFile.read(bm, size, TrackedBitmap.GRANULARITY);
                reason = null;
            }
        } catch (NoSuchFileException e) {
            reason = "there is no dirty bitmap (no backup yet, or the disk was not closed cleanly)";
        } catch (ConfigException | BitmapFile.CorruptBitmapException e) {
            reason = "the dirty bitmap is damaged: " + e.getMessage();
        }
        Files.deleteIfExists(st);
        Files.deleteIfExists(bm);
        if (reason != null) {
            return new TrackedBitmap(new ClusterBitmap(size, TrackedBitmap.GRANULARITY), null, reason);
        }
        return new TrackedBitmap(bits, state.basis(), null);
    }

    /// Saves a bitmap when its disk is closed cleanly (nothing is saved for an untrusted one).
    public void checkin(int vmid, String disk, TrackedBitmap bitmap) throws IOException {
        if (bitmap.basis() == null) {
            return;
        }
        Files.createDirectories(root.bitmapDir(vmid));
        BitmapFile.write(bitmapFile(vmid, disk), bitmap.bits().snapshot());
        Files.deleteIfExists(stateFile(vmid, disk));
        ConfigFiles.create(stateFile(vmid, disk), new State(bitmap.basis(), bitmap.bits().length()));
    }
}
