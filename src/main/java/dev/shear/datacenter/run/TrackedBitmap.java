package dev.shear.datacenter.run;

import dev.shear.bitmap.ClusterBitmap;

/// A disk's persistent dirty bitmap while the disk is open: the clusters written since the backup
/// named by [#basis()] (`storage:archive`). A null basis means the bitmap cannot be trusted (never
/// backed up, or the process that had it open crashed): the next incremental backup is a full one.
public final class TrackedBitmap {
    /// The bitmap's granularity.
    public static final int GRANULARITY = 64 * 1024;

    private final ClusterBitmap bits;
    /// The backup the bits are relative to; written by the backup that succeeds, read by the next.
    private volatile String basis;
    private final String invalidReason;

    TrackedBitmap(ClusterBitmap bits, String basis, String invalidReason) {
        this.bits = bits;
        this.basis = basis;
        this.invalidReason = invalidReason;
    }

    /// The bits (set by the disk's tracker on every guest write).
    public ClusterBitmap bits() {
        return bits;
    }

    /// The archive (`storage:name`) the bits are relative to, or null.
    public String basis() {
        return basis;
    }

    /// Why the bitmap cannot be used, when [#basis()] is null.
    public String invalidReason() {
        return invalidReason;
    }

    /// Records that a backup of this disk succeeded as `archive`; the bits now hold the writes since it.
    public void rebase(String archive) {
        basis = archive;
    }
}
