package dev.shear.block;

/// The whole contract through a throttle at 1 GiB/s: waiting never changes what a request does.
class ThrottleNodeHighRateTest extends BlockNodeContractTest {
    @Override
    protected BlockNode newNode(long size) {
        return new ThrottleNode(new MemoryNode(size), 1L << 30);
    }
}
