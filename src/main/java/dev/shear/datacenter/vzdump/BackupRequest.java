package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupOptions;
import dev.shear.backup.BitmapMode;
import dev.shear.backup.Perf;
import dev.shear.backup.SyncMode;
import dev.shear.copy.OnCbwError;

/// A backup of one guest, as vzdump's options describe it. Options left null take the defaults of
/// the shape: with fleecing, Proxmox VE's (discard-source on, break-snapshot, 45 s timeout);
/// without, QEMU's (break-guest-write, no timeout).
///
/// @param vmid          the guest
/// @param storage       the backup storage (content `backup`)
/// @param incremental   copy only what changed since the last good backup on that storage
/// @param fleecing      fleecing images, or [FleecingOption#OFF]
/// @param perf          workers, chunk and minimum cluster size
/// @param bwlimit       bytes per second for background copying, 0 = unlimited
/// @param discardSource null for the default
/// @param onCbwError    null for the default
/// @param cbwTimeout    seconds, null for the default
/// @param writeBehind   bytes of guest writes per disk acknowledged before their copy-before-write
///                      (decision 0023), null for the default ([BackupOptions#DEFAULT_WRITE_BEHIND]
///                      with fleecing and break-snapshot, else none)
public record BackupRequest(int vmid, String storage, boolean incremental, FleecingOption fleecing, Perf perf,
                            long bwlimit, Boolean discardSource, OnCbwError onCbwError, Long cbwTimeout,
                            Long writeBehind) {
    /// The most write-behind a backup may hold per disk.
    private static final long MAX_WRITE_BEHIND = 1L << 30;

    /// A request with the default write-behind.
    public BackupRequest(int vmid, String storage, boolean incremental, FleecingOption fleecing, Perf perf,
                         long bwlimit, Boolean discardSource, OnCbwError onCbwError, Long cbwTimeout) {
        this(vmid, storage, incremental, fleecing, perf, bwlimit, discardSource, onCbwError, cbwTimeout, null);
    }

    public BackupRequest {
        if (storage == null || storage.isBlank()) {
            throw new IllegalArgumentException("a backup storage is required (--storage ID)");
        }
        fleecing = fleecing == null ? FleecingOption.OFF : fleecing;
        perf = perf == null ? Perf.defaults() : perf;
        if (bwlimit < 0) {
            throw new IllegalArgumentException("bwlimit must not be negative: " + bwlimit);
        }
        if (cbwTimeout != null && cbwTimeout < 0) {
            throw new IllegalArgumentException("cbw-timeout must not be negative: " + cbwTimeout);
        }
        if (writeBehind != null) {
            checkWriteBehind(writeBehind, Long.toString(writeBehind));
        }
        if (writeBehind != null && writeBehind > 0 && !fleecing.enabled()) {
            throw new IllegalArgumentException("--cbw-write-behind needs fleecing: without it guest writes wait for "
                    + "the backup target by design");
        }
        if (writeBehind != null && writeBehind > 0 && onCbwError == OnCbwError.BREAK_GUEST_WRITE) {
            throw new IllegalArgumentException("--cbw-write-behind needs on-cbw-error=break-snapshot: under "
                    + "break-guest-write a failed copy must fail its guest write");
        }
        if (discardSource != null && discardSource && !fleecing.enabled()) {
            throw new IllegalArgumentException("--discard-source needs fleecing: without it the source is the live disk,"
                    + " and discarding it would destroy the guest's data");
        }
    }

    /// Throws unless `bytes` is a write-behind a backup may hold; `shown` is the value as the user
    /// gave it, for the message.
    public static void checkWriteBehind(long bytes, String shown) {
        if (bytes < 0 || bytes > MAX_WRITE_BEHIND) {
            throw new IllegalArgumentException("cbw-write-behind must be between 0 and 1G, not " + shown);
        }
    }

    /// A full backup of `vmid` to `storage` with every default.
    public static BackupRequest of(int vmid, String storage) {
        return new BackupRequest(vmid, storage, false, FleecingOption.OFF, Perf.defaults(), 0, null, null, null, null);
    }

    public BackupRequest withFleecing(FleecingOption f) {
        return new BackupRequest(vmid, storage, incremental, f, perf, bwlimit, discardSource, onCbwError, cbwTimeout, writeBehind);
    }

    public BackupRequest withIncremental(boolean v) {
        return new BackupRequest(vmid, storage, v, fleecing, perf, bwlimit, discardSource, onCbwError, cbwTimeout, writeBehind);
    }

    public BackupRequest withBwlimit(long v) {
        return new BackupRequest(vmid, storage, incremental, fleecing, perf, v, discardSource, onCbwError, cbwTimeout, writeBehind);
    }

    public BackupRequest withPerf(Perf v) {
        return new BackupRequest(vmid, storage, incremental, fleecing, v, bwlimit, discardSource, onCbwError, cbwTimeout, writeBehind);
    }

    /// The engine options: every disk tracks a dirty bitmap, synced on success.
    public BackupOptions engineOptions() {
        boolean f = fleecing.enabled();
        OnCbwError policy = onCbwError != null ? onCbwError : f ? OnCbwError.BREAK_SNAPSHOT : OnCbwError.BREAK_GUEST_WRITE;
        return new BackupOptions(SyncMode.FULL, BitmapMode.ON_SUCCESS, bwlimit, perf,
                discardSource != null ? discardSource : f, policy, cbwTimeout != null ? cbwTimeout : f ? 45 : 0,
                writeBehind != null ? writeBehind
                        : f && policy == OnCbwError.BREAK_SNAPSHOT ? BackupOptions.DEFAULT_WRITE_BEHIND : 0);
    }
}
