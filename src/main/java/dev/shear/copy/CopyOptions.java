package dev.shear.copy;

/// How a [BlockCopy] copies.
///
/// @param minClusterSize  lower bound for the copy granularity; 0 or a power of two
/// @param maxChunk        largest task in bytes; 0 = unlimited (then tasks are up to 1 MiB or one
///                        cluster, whichever is larger)
/// @param skipUnallocated `sync=top`: clusters the source's top layer does not hold are not copied
/// @param discardSource   after each successful task, discard the copied range on the source
/// @param speed           bytes per second for background copying, 0 = unlimited
/// @param memoryBudget    bytes of copy buffers in flight at most (QEMU: 128 MiB)
/// @param finestCluster   the finest copy granularity allowed when the target's cluster is smaller:
///                        [BlockCopy#DEFAULT_CLUSTER_SIZE] (QEMU's 64 KiB) unless a finer copy is
///                        wanted (copy-before-write into a fleecing image, see `FleecingGranularity`);
///                        a power of two from 512 bytes to 64 KiB
public record CopyOptions(long minClusterSize, long maxChunk, boolean skipUnallocated, boolean discardSource,
                          long speed, long memoryBudget, int finestCluster) {

    public CopyOptions {
        if (finestCluster < 512 || finestCluster > BlockCopy.DEFAULT_CLUSTER_SIZE || Integer.bitCount(finestCluster) != 1) {
            throw new IllegalArgumentException("the finest copy granularity must be a power of two from 512 bytes to 64 KiB, not "
                    + finestCluster);
        }
    }

    /// Options with QEMU's 64 KiB finest granularity.
    public CopyOptions(long minClusterSize, long maxChunk, boolean skipUnallocated, boolean discardSource,
                       long speed, long memoryBudget) {
        this(minClusterSize, maxChunk, skipUnallocated, discardSource, speed, memoryBudget, BlockCopy.DEFAULT_CLUSTER_SIZE);
    }

    /// QEMU's buffer budget for in-flight copies.
    public static final long DEFAULT_MEMORY_BUDGET = 128L << 20;

    /// Plain copying: no minimum cluster size, no chunk limit, no rate limit.
    public static CopyOptions defaults() {
        return new CopyOptions(0, 0, false, false, 0, DEFAULT_MEMORY_BUDGET);
    }

    public CopyOptions withMinClusterSize(long v) {
        return new CopyOptions(v, maxChunk, skipUnallocated, discardSource, speed, memoryBudget, finestCluster);
    }

    public CopyOptions withMaxChunk(long v) {
        return new CopyOptions(minClusterSize, v, skipUnallocated, discardSource, speed, memoryBudget, finestCluster);
    }

    public CopyOptions withSkipUnallocated(boolean v) {
        return new CopyOptions(minClusterSize, maxChunk, v, discardSource, speed, memoryBudget, finestCluster);
    }

    public CopyOptions withDiscardSource(boolean v) {
        return new CopyOptions(minClusterSize, maxChunk, skipUnallocated, v, speed, memoryBudget, finestCluster);
    }

    public CopyOptions withSpeed(long v) {
        return new CopyOptions(minClusterSize, maxChunk, skipUnallocated, discardSource, v, memoryBudget, finestCluster);
    }

    public CopyOptions withFinestCluster(int v) {
        return new CopyOptions(minClusterSize, maxChunk, skipUnallocated, discardSource, speed, memoryBudget, v);
    }
}
