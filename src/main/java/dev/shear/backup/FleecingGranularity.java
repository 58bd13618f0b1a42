package dev.shear.backup;

import dev.shear.copy.BlockCopy;

/// How finely copy-before-write copies old data into a fleecing image.
///
/// QEMU copies at least 64 KiB (its block-copy cluster) per first write to a cluster, so a guest's
/// random 4 KiB write keeps 16 times its own size of old data in the fleecing image. Shear copies at
/// the granularity of the fleecing image instead, and creates fleecing images with small clusters:
/// 4 KiB, or coarser for disks so big that a 4 KiB bitmap would be large — at most 2^24 clusters per
/// disk (2 MiB per bitmap), so 4 KiB up to 64 GiB, 64 KiB from 1 TiB on. It is never coarser than
/// QEMU's 64 KiB. The backup job itself still copies to the target at its own, coarser cluster
/// size, and its discard-source frees every fleecing cluster its range covers. See
/// `docs/decisions/0010-fine-fleecing-granularity.md`.
public final class FleecingGranularity {
    /// The finest granularity: a page, the file system's block, the guest's usual write.
    public static final int FINEST = 4096;
    /// The most clusters a disk is split into.
    public static final long MAX_CLUSTERS = 1L << 24;

    private FleecingGranularity() {
    }

    /// The copy-before-write granularity (and fleecing image cluster size) for a disk of `size`
    /// bytes: the smallest power of two from 4 KiB to 64 KiB that splits it into at most 2^24
    /// clusters (64 KiB for larger disks).
    public static int forDisk(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("disk size must not be negative: " + size);
        }
        int g = FINEST;
        while (g < BlockCopy.DEFAULT_CLUSTER_SIZE && (size + g - 1) / g > MAX_CLUSTERS) {
            g <<= 1;
        }
        return g;
    }
}
