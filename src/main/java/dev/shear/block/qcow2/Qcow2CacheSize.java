package dev.shear.block.qcow2;

/// How many metadata tables a [Qcow2Node] keeps in memory. Each table is one cluster, so memory is
/// `(l2Tables + refcountBlocks) × clusterSize`. Metadata is written through, so the cache only saves
/// reads. One L2 table maps `clusterSize² / 8` bytes of the disk (512 MiB with 64 KiB clusters).
///
/// @param l2Tables       L2 tables kept (least recently used go first), ≥ 1
/// @param refcountBlocks refcount blocks kept, ≥ 1
public record Qcow2CacheSize(int l2Tables, int refcountBlocks) {
    /// 64 L2 tables and 16 refcount blocks: 5 MiB with 64 KiB clusters, mapping 32 GiB of disk.
    public static final Qcow2CacheSize DEFAULT = new Qcow2CacheSize(64, 16);

    public Qcow2CacheSize {
        if (l2Tables < 1 || refcountBlocks < 1) {
            throw new IllegalArgumentException("qcow2 cache sizes must be at least 1: l2Tables=" + l2Tables
                    + " refcountBlocks=" + refcountBlocks);
        }
    }
}
