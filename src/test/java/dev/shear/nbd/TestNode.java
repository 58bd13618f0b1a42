package dev.shear.nbd;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.MemoryNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/// A [MemoryNode] wrapped for server tests (a real node with fault injection, as Lucene's
/// MockDirectoryWrapper): it records what the server asked of it (FUA, flushes, the unmap flag,
/// how many requests ran at once), can hold every data request at a gate, and can fail them.
final class TestNode implements BlockNode {
    final MemoryNode inner;
    /// When set, read/write/writeZeroes/discard wait for it to open.
    volatile CountDownLatch gate;
    /// When set, read/write/writeZeroes/discard/blockStatus throw it (an IOException or RuntimeException).
    volatile Exception failure;
    /// When set, reads (only) throw it.
    volatile IOException readFailure;
    volatile int alignment = 1;
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger fuaWrites = new AtomicInteger();
    final AtomicInteger zeroesWithUnmap = new AtomicInteger();
    final AtomicInteger zeroesWithoutUnmap = new AtomicInteger();
    final AtomicInteger discards = new AtomicInteger();

    TestNode(long size) {
        this.inner = new MemoryNode("test", size, 64 * 1024);
    }

    private void enter() throws IOException {
        int now = active.incrementAndGet();
        started.incrementAndGet();
        maxActive.accumulateAndGet(now, Math::max);
        try {
            CountDownLatch g = gate;
            if (g != null && !g.await(60, TimeUnit.SECONDS)) {
                throw new IOException("test gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted at the test gate", e);
        }
        fail();
    }

    private void fail() throws IOException {
        Exception f = failure;
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException re) {
            throw re;
        }
    }

    private void leave() {
        active.decrementAndGet();
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public int clusterSize() {
        return inner.clusterSize();
    }

    @Override
    public int alignment() {
        return alignment;
    }

    @Override
    public String describe() {
        return "test node";
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        enter();
        try {
            IOException f = readFailure;
            if (f != null) {
                throw f;
            }
            inner.read(offset, dst);
        } finally {
            leave();
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        enter();
        try {
            inner.write(offset, src, fua);
            if (fua) {
                fuaWrites.incrementAndGet();
            }
        } finally {
            leave();
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        enter();
        try {
            inner.writeZeroes(offset, length, mayUnmap);
            (mayUnmap ? zeroesWithUnmap : zeroesWithoutUnmap).incrementAndGet();
        } finally {
            leave();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        enter();
        try {
            inner.discard(offset, length);
            discards.incrementAndGet();
        } finally {
            leave();
        }
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
        flushes.incrementAndGet();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        fail();
        return inner.blockStatus(offset, length);
    }

    @Override
    public long allocatedBytes() {
        return inner.allocatedBytes();
    }

    @Override
    public void close() {
        inner.close();
    }
}
