package dev.shear.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/// The seat of a running guest's disk in its I/O path: forwards every request to a delegate that
/// can be replaced while I/O is *drained* — how a backup puts a copy-before-write filter into the
/// path at any moment and takes it out again (QEMU's drained section + `bdrv_insert_node`).
///
/// [#drain()] waits for every in-flight request to finish and holds off new ones until the
/// returned handle is closed; several disks drained together share one instant (a consistent point
/// in time across a guest's disks). Each request holds one permit of a fair semaphore for its whole
/// duration, and drain takes all of them. Not a read-write lock: a write that another thread
/// finishes ([#submitWrite]) gives its permit back on that thread.
public final class DrainableNode implements BlockNode {
    private static final int ALL = Integer.MAX_VALUE;
    private final Semaphore gate = new Semaphore(ALL, true);
    private final long size;
    /// The current delegate. Replaced only while drained (every permit of `gate` held).
    private volatile BlockNode delegate;
    private volatile boolean closed;
    /// A failed acknowledged write that a drain learnt of ([BlockNode#quiesce()]) and no flush
    /// reported yet.
    private final AtomicReference<IOException> unreported = new AtomicReference<>();

    public DrainableNode(BlockNode initial) {
        this.delegate = initial;
        this.size = initial.size();
    }

    /// Held I/O: close it to let requests flow again.
    public interface Drained extends AutoCloseable {
        /// Replaces the delegate (same size required) while I/O is held.
        void replace(BlockNode next);

        @Override
        void close();
    }

    /// Waits for in-flight requests, then for writes the delegate acknowledged but has not carried
    /// out yet ([BlockNode#quiesce()]), and holds new requests until the handle is closed. The
    /// thread holding the handle must not do I/O through this node meanwhile (it would wait for
    /// itself).
    public Drained drain() {
        gate.acquireUninterruptibly(ALL);
        try {
            delegate.quiesce();
        } catch (IOException e) {
            unreported.compareAndSet(null, e);       // the delegate may be about to go: the next flush reports it
        } catch (RuntimeException | Error e) {
            gate.release(ALL);
            throw e;
        }
        return new Drained() {
            private boolean open = true;

            @Override
            public void replace(BlockNode next) {
                if (!open) {
                    throw new IllegalStateException("drained section already ended");
                }
                if (next.size() != size) {
                    throw new IllegalArgumentException("replacement " + next.describe() + " is " + next.size()
                            + " bytes, the disk is " + size);
                }
                delegate = next;
            }

            @Override
            public void close() {
                if (open) {
                    open = false;
                    gate.release(ALL);
                }
            }
        };
    }

    @Override
    public void quiesce() throws IOException {
        delegate.quiesce();
        throwUnreported();
    }

    /// Throws, once, the failure a drain learnt of.
    private void throwUnreported() throws IOException {
        IOException e = unreported.getAndSet(null);
        if (e != null) {
            throw e;
        }
    }

    /// The node requests go to now.
    public BlockNode delegate() {
        return delegate;
    }

    private interface Op<T> {
        T run(BlockNode n) throws IOException;
    }

    private <T> T forward(Op<T> op) throws IOException {
        gate.acquireUninterruptibly();
        try {
            Requests.checkOpen(closed, this);
            return op.run(delegate);
        } finally {
            gate.release();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return delegate.clusterSize();
    }

    @Override
    public int alignment() {
        return delegate.alignment();
    }

    @Override
    public boolean hasBacking() {
        return delegate.hasBacking();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        forward(n -> {
            n.read(offset, dst);
            return null;
        });
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        forward(n -> {
            n.write(offset, src, fua);
            return null;
        });
    }

    /// Holds the permit until the write is done, on whichever thread that is.
    @Override
    public void submitWrite(long offset, ByteBuffer src, boolean fua, CompletableFuture<Void> done) {
        gate.acquireUninterruptibly();
        CompletableFuture<Void> inner = new CompletableFuture<>();
        inner.whenComplete((ok, failure) -> {
            gate.release();
            if (failure == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(failure);
            }
        });
        try {
            Requests.checkOpen(closed, this);
            delegate.submitWrite(offset, src, fua, inner);
        } catch (IOException | RuntimeException e) {
            inner.completeExceptionally(e);           // nothing if the delegate completed it already
        } catch (Error e) {
            inner.completeExceptionally(e);
            throw e;
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        forward(n -> {
            n.writeZeroes(offset, length, mayUnmap);
            return null;
        });
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        forward(n -> {
            n.discard(offset, length);
            return null;
        });
    }

    /// Flushes the delegate, then throws (once) the failure of an acknowledged write that a drain
    /// learnt of, from a delegate that may be gone by now.
    @Override
    public void flush() throws IOException {
        forward(n -> {
            n.flush();
            return null;
        });
        throwUnreported();
    }

    @Override
    public void startWriteback() throws IOException {
        forward(n -> {
            n.startWriteback();
            return null;
        });
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        return forward(n -> n.blockStatus(offset, length));
    }

    @Override
    public long allocatedBytes() throws IOException {
        return delegate.allocatedBytes();
    }

    /// Stops forwarding; the delegate belongs to the caller and is not closed.
    @Override
    public void close() {
        closed = true;
    }
}
