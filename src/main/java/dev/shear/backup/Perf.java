package dev.shear.backup;

import dev.shear.copy.CopyPlan;

/// Performance options of a backup (QEMU's `x-perf`, vzdump's `--performance`).
///
/// @param maxWorkers     parallel background copy tasks, 1 … 256
/// @param maxChunk       largest copy task in bytes; 0 = unlimited (tasks up to 1 MiB, or 256 KiB
///                       with fleecing: `GuestBackup#FLEECING_JOB_CHUNK`)
/// @param minClusterSize lower bound of the job's cluster size; 0 or a power of two
public record Perf(int maxWorkers, long maxChunk, long minClusterSize) {
    /// Proxmox VE's default worker count.
    public static final int DEFAULT_MAX_WORKERS = 16;
    public static final int MAX_WORKERS_LIMIT = 256;

    public static Perf defaults() {
        return new Perf(DEFAULT_MAX_WORKERS, 0, 0);
    }

    /// Throws [IllegalArgumentException] with the documented message for an invalid value.
    public Perf {
        if (maxWorkers < 1 || maxWorkers > MAX_WORKERS_LIMIT) {
            throw new IllegalArgumentException("max-workers must be between 1 and " + MAX_WORKERS_LIMIT + ", not "
                    + maxWorkers);
        }
        if (maxChunk < 0) {
            throw new IllegalArgumentException("max-chunk must not be negative: " + maxChunk);
        }
        CopyPlan.checkMinClusterSize(minClusterSize);
    }
}
