package dev.shear.backup;

import dev.shear.copy.OnCbwError;
import dev.shear.util.Sizes;

/// Everything a backup can be told, validated on construction with messages a user can act on.
///
/// @param sync              which clusters to copy
/// @param bitmapMode        what happens to the dirty bitmap afterwards; null when no bitmap is used
///                          (`incremental` implies `on-success`)
/// @param speed             bytes per second for background copying, 0 = unlimited
/// @param perf              workers, chunk and minimum cluster size
/// @param discardSource     discard each copied range on the source (with fleecing: frees the
///                          fleecing image as the backup advances)
/// @param onCbwError        what a failed copy-before-write breaks
/// @param cbwTimeoutSeconds how long one copy-before-write may take, 0 = no limit
/// @param writeBehind       bytes of guest writes per disk acknowledged before their copy-before-write
///                          (decision 0023), 0 = none; only with fleecing and break-snapshot
public record BackupOptions(SyncMode sync, BitmapMode bitmapMode, long speed, Perf perf, boolean discardSource,
                            OnCbwError onCbwError, long cbwTimeoutSeconds, long writeBehind) {
    /// The write-behind a backup gets unless told otherwise: `-Dshear.cbw-write-behind=SIZE`
    /// (`0` turns it off), else 32 MiB.
    public static final long DEFAULT_WRITE_BEHIND = Sizes.parse(System.getProperty("shear.cbw-write-behind", "32M"));

    /// Options with the default write-behind.
    public BackupOptions(SyncMode sync, BitmapMode bitmapMode, long speed, Perf perf, boolean discardSource,
            OnCbwError onCbwError, long cbwTimeoutSeconds) {
        this(sync, bitmapMode, speed, perf, discardSource, onCbwError, cbwTimeoutSeconds, DEFAULT_WRITE_BEHIND);
    }

    public BackupOptions {
        if (sync == null || perf == null || onCbwError == null) {
            throw new IllegalArgumentException("sync, perf and on-cbw-error are required");
        }
        if (sync == SyncMode.INCREMENTAL) {
            if (bitmapMode != null && bitmapMode != BitmapMode.ON_SUCCESS) {
                throw new IllegalArgumentException("sync=incremental implies bitmap-mode=on-success, not "
                        + bitmapMode.optionValue());
            }
            bitmapMode = BitmapMode.ON_SUCCESS;
        }
        if (sync == SyncMode.BITMAP && bitmapMode == null) {
            throw new IllegalArgumentException("sync=bitmap needs a bitmap-mode (on-success, always or never)");
        }
        if (sync == SyncMode.NONE && bitmapMode != null) {
            throw new IllegalArgumentException("sync=none cannot use a dirty bitmap");
        }
        if (speed < 0) {
            throw new IllegalArgumentException("speed must not be negative: " + speed);
        }
        if (cbwTimeoutSeconds < 0) {
            throw new IllegalArgumentException("cbw-timeout must not be negative: " + cbwTimeoutSeconds);
        }
        if (writeBehind < 0) {
            throw new IllegalArgumentException("write-behind must not be negative: " + writeBehind);
        }
    }

    /// A full backup with the defaults: 16 workers, no limits, break-guest-write, no timeout.
    public static BackupOptions defaults() {
        return new BackupOptions(SyncMode.FULL, null, 0, Perf.defaults(), false, OnCbwError.BREAK_GUEST_WRITE, 0);
    }

    /// Proxmox VE's fleecing defaults: discard-source on, break-snapshot, 45 s timeout.
    public static BackupOptions fleecingDefaults() {
        return new BackupOptions(SyncMode.FULL, null, 0, Perf.defaults(), true, OnCbwError.BREAK_SNAPSHOT, 45);
    }

    /// True when the backup reads and maintains a dirty bitmap.
    public boolean usesBitmap() {
        return bitmapMode != null;
    }

    /// Checks the options against the shape of the backup.
    ///
    /// @param haveBitmap the disk has a dirty bitmap
    /// @param fleecing   the backup copies old data to a fleecing image
    public void checkApplicable(boolean haveBitmap, boolean fleecing) {
        if (bitmapMode != null && !haveBitmap) {
            throw new IllegalArgumentException("sync=" + sync.optionValue() + " with bitmap-mode="
                    + bitmapMode.optionValue() + " needs a dirty bitmap, and the disk has none");
        }
        if (discardSource && !fleecing) {
            throw new IllegalArgumentException("discard-source needs fleecing: without it the source is the live disk,"
                    + " and discarding it would destroy the guest's data");
        }
    }

    public BackupOptions withSync(SyncMode v) {
        return new BackupOptions(v, v == SyncMode.INCREMENTAL ? null : bitmapMode, speed, perf, discardSource,
                onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    /// The same options with another sync mode and bitmap mode (null for none).
    public BackupOptions withSync(SyncMode v, BitmapMode mode) {
        return new BackupOptions(v, mode, speed, perf, discardSource, onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withBitmapMode(BitmapMode v) {
        return new BackupOptions(sync, v, speed, perf, discardSource, onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withSpeed(long v) {
        return new BackupOptions(sync, bitmapMode, v, perf, discardSource, onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withPerf(Perf v) {
        return new BackupOptions(sync, bitmapMode, speed, v, discardSource, onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withDiscardSource(boolean v) {
        return new BackupOptions(sync, bitmapMode, speed, perf, v, onCbwError, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withOnCbwError(OnCbwError v) {
        return new BackupOptions(sync, bitmapMode, speed, perf, discardSource, v, cbwTimeoutSeconds, writeBehind);
    }

    public BackupOptions withCbwTimeout(long seconds) {
        return new BackupOptions(sync, bitmapMode, speed, perf, discardSource, onCbwError, seconds, writeBehind);
    }

    public BackupOptions withWriteBehind(long bytes) {
        return new BackupOptions(sync, bitmapMode, speed, perf, discardSource, onCbwError, cbwTimeoutSeconds, bytes);
    }
}
