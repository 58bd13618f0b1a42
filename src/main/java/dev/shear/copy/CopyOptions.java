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
public record CopyOptions(long minClusterSize, long maxChunk, boolean skipUnallocated, boolean discardSource,
                          long speed, long memoryBudget) {

    /// QEMU's buffer budget for in-flight copies.
    public static final long DEFAULT_MEMORY_BUDGET = 128L << 20;

    /// Plain copying: no minimum cluster size, no chunk limit, no rate limit.
    public static CopyOptions defaults() {
        return new CopyOptions(0, 0, false, false, 0, DEFAULT_MEMORY_BUDGET);
    }

    public CopyOptions withMinClusterSize(long v) {
        return new CopyOptions(v, maxChunk, skipUnallocated, discardSource, speed, memoryBudget);
    }

    public CopyOptions withMaxChunk(long v) {
        return new CopyOptions(minClusterSize, v, skipUnallocated, discardSource, speed, memoryBudget);
    }

    public CopyOptions withSkipUnallocated(boolean v) {
        return new CopyOptions(minClusterSize, maxChunk, v, discardSource, speed, memoryBudget);
    }

    public CopyOptions withDiscardSource(boolean v) {
        return new CopyOptions(minClusterSize, maxChunk, skipUnallocated, v, speed, memoryBudget);
    }

    public CopyOptions withSpeed(long v) {
        return new CopyOptions(minClusterSize, maxChunk, skipUnallocated, discardSource, v, memoryBudget);
    }
}
