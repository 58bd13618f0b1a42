package dev.shear.block.qcow2;

/// How many metadata tables a [Qcow2Node] keeps in memory. Each table is one cluster, so memory is
/// `(l2Tables + refcountBlocks) × clusterSize`. Metadata is written through, so the cache only saves
/// reads. One L2 table maps `clusterSize² / 8` bytes of the disk (512 MiB with 64 KiB clusters,
/// 2 MiB with 4 KiB clusters).
///
/// @param l2Tables       L2 tables kept (least recently used go first), ≥ 1
/// @param refcountBlocks refcount blocks kept, ≥ 1
public record Qcow2CacheSize(int l2Tables, int refcountBlocks) {
    /// Memory for L2 tables when none is chosen (QEMU's default is up to 32 MiB; it maps 32 GiB of
    /// disk with 64 KiB clusters).
    public static final int DEFAULT_L2_BYTES = 4 << 20;
    /// Memory for refcount blocks when none is chosen.
    public static final int DEFAULT_REFCOUNT_BYTES = 1 << 20;
    /// The default for 64 KiB clusters: 64 L2 tables and 16 refcount blocks (5 MiB).
    public static final Qcow2CacheSize DEFAULT = forClusterSize(Qcow2Options.DEFAULT_CLUSTER_SIZE);

    public Qcow2CacheSize {
        if (l2Tables < 1 || refcountBlocks < 1) {
            throw new IllegalArgumentException("qcow2 cache sizes must be at least 1: l2Tables=" + l2Tables
                    + " refcountBlocks=" + refcountBlocks);
        }
    }

    /// The default for an image with `clusterSize`-byte clusters: as many tables as fit
    /// [#DEFAULT_L2_BYTES] and [#DEFAULT_REFCOUNT_BYTES], at least 64 and 16 (small clusters map
    /// little disk per table: a fleecing image with 4 KiB clusters keeps 1024 L2 tables, 2 GiB).
    public static Qcow2CacheSize forClusterSize(int clusterSize) {
        return new Qcow2CacheSize(Math.max(64, DEFAULT_L2_BYTES / clusterSize),
                Math.max(16, DEFAULT_REFCOUNT_BYTES / clusterSize));
    }
}
