package dev.shear.block;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// Injects faults into another node's I/O, for tests and the demo (Lucene's `MockDirectoryWrapper`
/// habit): full storage, failing devices, slow devices. Every fault is set and cleared at runtime,
/// from any thread, while I/O runs.
///
/// ## What it guarantees
/// * **Counting.** Every request that passes the argument checks is counted by [Kind], faulty or
///   not ([#requests]).
/// * **Stall** ([#stall]): requests of a kind block before reaching the inner node until
///   [#release] (or the stall's duration ends, or the node closes). [#stalledRequests] and
///   [#awaitStalled] let a test see that a request is parked.
/// * **Fail** ([#fail]): every request of a kind throws an [IOException] with the given message
///   and never reaches the inner node.
/// * **No space** ([#failWritesWithNoSpaceAfter]): writes may write that many more bytes; a write
///   that does not fit throws [NoSpaceException] ("no space left on …") and writes nothing. Only
///   [#write] counts against the budget (write-zeroes and discard release space, as on a thin
///   device); a write that fails below gives its bytes back.
///
/// A request checks, in order: closed, arguments, count, stall, fail, no space; then it goes to the
/// inner node. Faults apply to requests that start after they are set (a stalled request sees
/// faults set while it waited).
public final class FaultNode extends FilterNode {

    /// The kinds of request a fault can target.
    public enum Kind {
        READ, WRITE, WRITE_ZEROES, DISCARD, FLUSH, BLOCK_STATUS
    }

    private final ReentrantLock lock = new ReentrantLock();
    /// Signalled when a stall is released or the node closes.
    private final Condition released = lock.newCondition();
    /// Kind → message of the injected failure. Guarded by [#lock].
    private final Map<Kind, String> failures = new EnumMap<>(Kind.class);
    /// Kind → `System.nanoTime()` when its stall ends (`Long.MAX_VALUE`: at [#release]). Guarded by [#lock].
    private final Map<Kind, Long> stallsUntil = new EnumMap<>(Kind.class);
    /// Kind → requests parked by a stall now. Guarded by [#lock].
    private final Map<Kind, Integer> stalled = new EnumMap<>(Kind.class);
    /// Bytes writes may still write; negative = no limit. Guarded by [#lock].
    private long noSpaceBudget = -1;
    /// Kind → requests seen. The map never changes; the adders are thread-safe.
    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
    /// Set once by close. Written under [#lock]; volatile so request checks need no lock.
    private volatile boolean closed;

    /// Wraps `inner` with no fault set.
    public FaultNode(BlockNode inner) {
        super(inner);
        for (Kind k : Kind.values()) {
            counts.put(k, new LongAdder());
        }
    }

    @Override
    public String describe() {
        return "fault injector over " + inner.describe();
    }

    // ---- configuration -------------------------------------------------------------------------

    /// From now on writes may write `bytes` more bytes before failing with [NoSpaceException].
    public void failWritesWithNoSpaceAfter(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("no-space budget must not be negative: " + bytes);
        }
        locked(() -> noSpaceBudget = bytes);
    }

    /// Lifts the no-space limit.
    public void clearNoSpace() {
        locked(() -> noSpaceBudget = -1);
    }

    /// Makes every request of `kind` fail with an [IOException] carrying `message`.
    public void fail(Kind kind, String message) {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("an injected failure of " + kind + " needs a message");
        }
        locked(() -> failures.put(kind, message));
    }

    /// Stops failing requests of `kind`.
    public void heal(Kind kind) {
        locked(() -> failures.remove(kind));
    }

    /// Parks requests of `kind` until [#release].
    public void stall(Kind kind) {
        locked(() -> stallsUntil.put(kind, Long.MAX_VALUE));
    }

    /// Parks requests of `kind` for `duration` from now (or until [#release], if sooner).
    public void stall(Kind kind, Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("stall duration must not be negative: " + duration);
        }
        long until = System.nanoTime() + duration.toNanos();
        locked(() -> stallsUntil.put(kind, until));
    }

    /// Ends the stall of `kind`; parked requests continue.
    public void release(Kind kind) {
        locked(() -> {
            stallsUntil.remove(kind);
            released.signalAll();
        });
    }

    /// Clears every fault: heals, releases, lifts the no-space limit. Counts stay.
    public void clearFaults() {
        locked(() -> {
            failures.clear();
            stallsUntil.clear();
            noSpaceBudget = -1;
            released.signalAll();
        });
    }

    // ---- observation ---------------------------------------------------------------------------

    /// Requests of `kind` seen so far.
    public long requests(Kind kind) {
        return counts.get(kind).sum();
    }

    /// Requests of `kind` parked by a stall now.
    public int stalledRequests(Kind kind) {
        lock.lock();
        try {
            return stalled.getOrDefault(kind, 0);
        } finally {
            lock.unlock();
        }
    }

    /// Waits until at least `count` requests of `kind` are parked; false if `timeout` passes first.
    public boolean awaitStalled(Kind kind, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (stalledRequests(kind) < count) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    // ---- requests ------------------------------------------------------------------------------

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        enter(Kind.READ, offset, dst.remaining());
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        enter(Kind.WRITE, offset, length);
        takeSpace(offset, length);
        boolean done = false;
        try {
            inner.write(offset, src, fua);
            done = true;
        } finally {
            if (!done) {
                giveSpaceBack(length);
            }
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        enter(Kind.WRITE_ZEROES, offset, length);
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        enter(Kind.DISCARD, offset, length);
        inner.discard(offset, length);
    }

    @Override
    public void flush() throws IOException {
        enter(Kind.FLUSH, 0, 0);
        inner.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        enter(Kind.BLOCK_STATUS, offset, length);
        return inner.blockStatus(offset, length);
    }

    /// Checks, counts, waits out a stall and throws an injected failure.
    private void enter(Kind kind, long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        counts.get(kind).increment();
        lock.lock();
        try {
            waitOutStall(kind);
            String failure = failures.get(kind);
            if (failure != null) {
                throw new IOException(failure + " (injected " + kind + " fault in " + describe() + ")");
            }
        } finally {
            lock.unlock();
        }
    }

    private void waitOutStall(Kind kind) throws IOException {
        Long until = stallsUntil.get(kind);
        if (until == null) {
            return;
        }
        stalled.merge(kind, 1, Integer::sum);
        try {
            while ((until = stallsUntil.get(kind)) != null && !closed) {
                long left = until - System.nanoTime();
                if (until == Long.MAX_VALUE) {
                    released.await();
                } else if (left > 0) {
                    released.awaitNanos(left);
                } else {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while " + kind + " was stalled in " + describe());
        } finally {
            stalled.merge(kind, -1, Integer::sum);
        }
        Requests.checkOpen(closed, this);
    }

    private void takeSpace(long offset, int length) throws IOException {
        lock.lock();
        try {
            if (noSpaceBudget >= 0) {
                if (length > noSpaceBudget) {
                    throw new NoSpaceException("no space left on " + inner.describe() + " (injected: writing "
                            + length + " bytes at " + offset + ", " + noSpaceBudget + " bytes left)");
                }
                noSpaceBudget -= length;
            }
        } finally {
            lock.unlock();
        }
    }

    private void giveSpaceBack(int length) {
        locked(() -> {
            if (noSpaceBudget >= 0) {
                noSpaceBudget += length;
            }
        });
    }

    private void locked(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /// Releases parked requests (they fail as closed) and closes the inner node.
    @Override
    public void close() throws IOException {
        locked(() -> {
            closed = true;
            released.signalAll();
        });
        inner.close();
    }
}
