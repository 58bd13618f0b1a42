package dev.shear.block.qcow2;

/// The [dev.shear.block.BlockNode] contract again with 512-byte clusters, where every request spans
/// many L2 tables and refcount blocks and the refcount table has to grow.
class Qcow2SmallClusterNodeTest extends Qcow2NodeTest {
    @Override
    protected int clusterSize() {
        return 512;
    }
}
