package dev.shear.testing;

import dev.shear.block.BlockNode;
import dev.shear.block.FilterNode;
import java.io.IOException;
import java.nio.ByteBuffer;

/// A test node that forwards to another but reports a chosen cluster size and backing flag, and
/// can make reads slow (widening race windows so concurrency bugs show).
public final class ForwardingTestNode extends FilterNode {
    private final int clusterSize;
    private final boolean backing;
    private final int maxReadDelayMicros;

    public ForwardingTestNode(BlockNode inner, int clusterSize, boolean backing) {
        this(inner, clusterSize, backing, 0);
    }

    public ForwardingTestNode(BlockNode inner, int clusterSize, boolean backing, int maxReadDelayMicros) {
        super(inner);
        this.clusterSize = clusterSize;
        this.backing = backing;
        this.maxReadDelayMicros = maxReadDelayMicros;
    }

    /// A node that forwards everything unchanged but sleeps up to `maxReadDelayMicros` before reads.
    public static ForwardingTestNode slowReads(BlockNode inner, int maxReadDelayMicros) {
        return new ForwardingTestNode(inner, inner.clusterSize(), inner.hasBacking(), maxReadDelayMicros);
    }

    @Override
    public int clusterSize() {
        return clusterSize;
    }

    @Override
    public boolean hasBacking() {
        return backing;
    }

    @Override
    public String describe() {
        return "test node over " + inner.describe();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        if (maxReadDelayMicros > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(maxReadDelayMicros * 1000L));
        }
        inner.read(offset, dst);
    }
}
