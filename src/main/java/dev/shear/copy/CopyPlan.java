package dev.shear.copy;

import dev.shear.block.BlockNode;
import dev.shear.util.Sizes;
import java.util.List;

/// The checks a [BlockCopy] makes before it starts, and the copy granularity they settle on:
/// `max(finest, target cluster size, min-cluster-size)` (QEMU's `block_copy_calculate_cluster_size`).
/// Callers use them to explain a bad option before anything changes.
public final class CopyPlan {
    /// The largest accepted `min-cluster-size`.
    public static final long MAX_MIN_CLUSTER_SIZE = 1L << 30;

    private CopyPlan() {
    }

    /// Checks that `source` can be copied to `target` with `options` and returns the cluster size
    /// it would use; adds warnings to `warnings`. Changes nothing.
    ///
    /// @throws IllegalArgumentException with a message a user can act on
    public static int validate(BlockNode source, BlockNode target, CopyOptions options, List<String> warnings) {
        if (source.size() != target.size()) {
            throw new IllegalArgumentException("source and target sizes differ: " + source.describe() + " is "
                    + source.size() + " bytes, " + target.describe() + " is " + target.size() + " bytes");
        }
        int cs = clusterSize(target, options.minClusterSize(), options.finestCluster(), warnings);
        long maxChunk = options.maxChunk();
        if (maxChunk < 0) {
            throw new IllegalArgumentException("max-chunk must not be negative: " + maxChunk);
        }
        if (maxChunk != 0 && maxChunk < cs) {
            throw new IllegalArgumentException("max-chunk (" + Sizes.compact(maxChunk)
                    + ") must be 0 (unlimited) or at least the job cluster size (" + Sizes.compact(cs) + ")");
        }
        if (options.speed() < 0) {
            throw new IllegalArgumentException("speed must not be negative: " + options.speed());
        }
        return cs;
    }

    /// The copy granularity for `target`: `max(finest, target cluster size, min-cluster-size)`,
    /// `finest` being 64 KiB unless a finer copy is asked for ([CopyOptions#finestCluster]).
    /// Adds a warning when the target has no cluster size; refuses when it also has a backing file
    /// (copying at a guessed granularity could leave backing data showing through).
    public static int clusterSize(BlockNode target, long minClusterSize, int finest, List<String> warnings) {
        checkMinClusterSize(minClusterSize);
        int tcs = target.clusterSize();
        if (tcs == 0) {
            if (target.hasBacking()) {
                throw new IllegalArgumentException("cannot determine the cluster size of " + target.describe()
                        + ", which has a backing file; copying could leave backing data showing through");
            }
            warnings.add("could not determine the cluster size of " + target.describe() + "; using "
                    + Sizes.format(Math.max(finest, minClusterSize)));
        }
        return (int) Math.max(Math.max(finest, tcs), minClusterSize);
    }

    /// Throws [IllegalArgumentException] unless `minClusterSize` is 0 or a power of two ≤ 1 GiB.
    public static void checkMinClusterSize(long minClusterSize) {
        if (minClusterSize < 0 || (minClusterSize != 0 && !Sizes.isPowerOfTwo(minClusterSize))) {
            throw new IllegalArgumentException("min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not "
                    + Sizes.compact(minClusterSize));
        }
        if (minClusterSize > MAX_MIN_CLUSTER_SIZE) {
            throw new IllegalArgumentException("min-cluster-size " + Sizes.compact(minClusterSize)
                    + " is too large (at most " + Sizes.compact(MAX_MIN_CLUSTER_SIZE) + ")");
        }
    }
}
