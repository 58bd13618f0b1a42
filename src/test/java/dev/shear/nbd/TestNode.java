package dev.shear.nbd;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.MemoryNode;
import dev.shear.block.Requests;
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
    /// While positive, that many data requests (the first to come) busy-wait until [#spinning] is
    /// cleared, keeping their thread the way a slow system call does (on a virtual thread: its carrier).
    final AtomicInteger spinSlots = new AtomicInteger();
    volatile boolean spinning;
    /// When set, reads (only) throw it.
    volatile IOException readFailure;
    volatile int alignment = 1;
    final AtomicInteger active = new AtomicInteger();
    /// The thread of the latest data request to enter.
    volatile Thread lastThread;
    final AtomicInteger maxActive = new AtomicInteger();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger fuaWrites = new AtomicInteger();
    final AtomicInteger zeroesWithUnmap = new AtomicInteger();
    final AtomicInteger zeroesWithoutUnmap = new AtomicInteger();
    final AtomicInteger discards = new AtomicInteger();

    TestNode(long size) {
        this(size, 64 * 1024);
    }

    TestNode(long size, int clusterSize) {
        this.inner = new MemoryNode("test", size, clusterSize);
    }

    /// Checks the range as the BlockNode contract asks (including [#alignment]), then applies the hooks.
    private void enter(long offset, long length) throws IOException {
        Requests.checkRange(this, offset, length);
        lastThread = Thread.currentThread();
        int now = active.incrementAndGet();
        started.incrementAndGet();
        maxActive.accumulateAndGet(now, Math::max);
        try {
            if (spinning && spinSlots.getAndDecrement() > 0) {
                while (spinning) {
                    Thread.onSpinWait();
                }
            }
            CountDownLatch g = gate;
            if (g != null && !g.await(60, TimeUnit.SECONDS)) {
                throw new IOException("test gate never opened");
            }
            fail();
        } catch (InterruptedException e) {
            leave();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted at the test gate", e);
        } catch (IOException | RuntimeException e) {
            leave();
            throw e;
        }
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
        enter(offset, dst.remaining());
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
        enter(offset, src.remaining());
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
        enter(offset, length);
        try {
            inner.writeZeroes(offset, length, mayUnmap);
            (mayUnmap ? zeroesWithUnmap : zeroesWithoutUnmap).incrementAndGet();
        } finally {
            leave();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        enter(offset, length);
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
