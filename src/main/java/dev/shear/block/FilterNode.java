package dev.shear.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/// A node that serves another node's bytes and changes some of its behaviour: the base of the
/// wrappers ([ThrottleNode], [FaultNode]). As in QEMU's filter drivers, every method forwards to
/// [#inner()] unless a subclass overrides it; the size is always the inner node's. Closing a filter closes the inner node: a filter owns what it wraps.
///
/// Thread-safe when the inner node is; [#inner] never changes.
public abstract class FilterNode implements BlockNode {
    /// The wrapped node.
    protected final BlockNode inner;

    protected FilterNode(BlockNode inner) {
        this.inner = Objects.requireNonNull(inner, "inner node");
    }

    /// The wrapped node.
    public final BlockNode inner() {
        return inner;
    }

    @Override
    public final long size() {
        return inner.size();
    }

    @Override
    public int clusterSize() {
        return inner.clusterSize();
    }

    @Override
    public final int alignment() {
        return inner.alignment();
    }

    @Override
    public boolean hasBacking() {
        return inner.hasBacking();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
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
    public void startWriteback() throws IOException {
        inner.startWriteback();
    }

    @Override
    public void quiesce() throws IOException {
        inner.quiesce();
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
