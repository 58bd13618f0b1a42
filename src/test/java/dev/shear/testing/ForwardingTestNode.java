package dev.shear.testing;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;

/// A test node that forwards to another but reports a chosen cluster size and backing flag, and
/// can make reads slow (widening race windows so concurrency bugs show).
public final class ForwardingTestNode implements BlockNode {
    private final BlockNode inner;
    private final int clusterSize;
    private final boolean backing;
    private final int maxReadDelayMicros;

    public ForwardingTestNode(BlockNode inner, int clusterSize, boolean backing) {
        this(inner, clusterSize, backing, 0);
    }

    public ForwardingTestNode(BlockNode inner, int clusterSize, boolean backing, int maxReadDelayMicros) {
        this.inner = inner;
        this.clusterSize = clusterSize;
        this.backing = backing;
        this.maxReadDelayMicros = maxReadDelayMicros;
    }

    /// A node that forwards everything unchanged but sleeps up to `maxReadDelayMicros` before reads.
    public static ForwardingTestNode slowReads(BlockNode inner, int maxReadDelayMicros) {
        return new ForwardingTestNode(inner, inner.clusterSize(), inner.hasBacking(), maxReadDelayMicros);
    }

    @Override
    public long size() {
        return inner.size();
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

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        inner.write(offset, src, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        return inner.blockStatus(offset, length);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return inner.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
