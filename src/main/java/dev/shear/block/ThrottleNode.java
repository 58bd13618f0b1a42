package dev.shear.block;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// Limits the bytes per second that reads and writes move through a node: the "slow backup
/// target" of benchmarks and demos (throttling the target node itself, not the backup job, is what
/// makes copy-before-write feel a slow target).
///
/// ## What it guarantees
/// * **One combined limit** for reads and writes, like a link or a disk's bandwidth; 0 means
///   unlimited. [#setBytesPerSecond] may be called at any time and wakes waiting requests at once,
///   so a new rate applies to them within a scheduler tick.
/// * **Token bucket with a small burst** ([#burstBytes()]: 50 ms of traffic, at least 64 KiB).
///   A request waits (its caller sleeps) until the bucket holds no debt, then takes all its bytes,
///   possibly going into debt; so requests are never split or changed, only delayed, and over any
///   interval of `t` seconds at most `burst + rate·t + one request` bytes are admitted.
/// * **Fair:** waiting requests are admitted one at a time in arrival order (FIFO). Only the
///   oldest waiter is woken when its turn may have come: the others sleep on their own condition
///   until they are oldest, so a queue of `n` backup workers costs one wake-up per admission, not
///   `n` (a thundering herd cost a throttled fleecing backup 50 futex calls per 256 KiB task).
/// * **Only data moves are throttled.** Write-zeroes, discard, flush and block status move no data
///   and pass through at once; so does every geometry call.
/// * A waiting caller that is interrupted gets an [InterruptedIOException]; closing the node fails
///   waiting requests with an [IOException]. Either way the request never reaches the inner node.
public final class ThrottleNode extends FilterNode {
    private static final long MIN_BURST = 64 * 1024;
    private static final long NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ReentrantLock lock = new ReentrantLock();
    /// Requests waiting for admission, oldest first, each by the condition it sleeps on: the
    /// oldest is signalled when the rate changes or the one before it leaves, all when the node
    /// closes. Guarded by [#lock].
    private final ArrayDeque<Condition> queue = new ArrayDeque<>();
    /// Wake-ups of a waiter that was not the oldest (tests: no thundering herd). Guarded by [#lock].
    private long notTheirTurn;
    /// Bytes per second; 0 = unlimited. Guarded by [#lock].
    private long rate;
    /// Bytes that may pass now; negative while admitted requests are being paid for. Guarded by [#lock].
    private double tokens;
    /// `System.nanoTime()` when [#tokens] was last brought up to date. Guarded by [#lock].
    private long refilledAt;
    /// Set once by close. Written under [#lock]; volatile so request checks need no lock.
    private volatile boolean closed;

    /// Wraps `inner`, limiting it to `bytesPerSecond` (0 = unlimited).
    public ThrottleNode(BlockNode inner, long bytesPerSecond) {
        super(inner);
        checkRate(bytesPerSecond);
        this.rate = bytesPerSecond;
        this.tokens = burstFor(bytesPerSecond);
        this.refilledAt = System.nanoTime();
    }

    private static void checkRate(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("throttle rate must be 0 (unlimited) or a positive number of bytes "
                    + "per second, not " + bytesPerSecond);
        }
    }

    private static long burstFor(long rate) {
        return Math.max(MIN_BURST, rate / 20);
    }

    /// Changes the limit (0 = unlimited); waiting requests see the new rate at once. Time already
    /// passed is accounted at the old rate.
    public void setBytesPerSecond(long bytesPerSecond) {
        checkRate(bytesPerSecond);
        lock.lock();
        try {
            long now = System.nanoTime();
            if (rate == 0) {
                tokens = burstFor(bytesPerSecond);
            } else {
                refill(now);
                tokens = Math.min(tokens, burstFor(bytesPerSecond));
            }
            refilledAt = now;
            rate = bytesPerSecond;
            Condition oldest = queue.peekFirst();
            if (oldest != null) {
                oldest.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /// The current limit in bytes per second; 0 = unlimited.
    public long bytesPerSecond() {
        lock.lock();
        try {
            return rate;
        } finally {
            lock.unlock();
        }
    }

    /// The most bytes that pass without waiting after an idle period, at the current rate.
    public long burstBytes() {
        lock.lock();
        try {
            return burstFor(rate);
        } finally {
            lock.unlock();
        }
    }

    /// Requests waiting for admission now (for progress displays and tests).
    public int waitingRequests() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /// Times a waiter was woken while another was still ahead of it (tests).
    long wakeUpsNotTheirTurn() {
        lock.lock();
        try {
            return notTheirTurn;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String describe() {
        long r = bytesPerSecond();
        return "throttle (" + (r == 0 ? "unlimited" : formatRate(r)) + ") over " + inner.describe();
    }

    private static String formatRate(long r) {
        return r >= 1 << 20 ? String.format("%.1f MiB/s", r / 1048576.0) : r + " B/s";
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        admit(dst.remaining());
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, src.remaining());
        admit(src.remaining());
        inner.write(offset, src, fua);
    }

    /// Waits until `bytes` may pass, in arrival order, and takes them from the bucket.
    private void admit(long bytes) throws IOException {
        if (bytes == 0) {
            return;
        }
        lock.lock();
        try {
            Condition me = lock.newCondition();
            queue.addLast(me);
            try {
                awaitTurnAndTake(me, bytes);
            } finally {
                boolean wasOldest = queue.peekFirst() == me;
                queue.remove(me);
                Condition next = queue.peekFirst();
                if (wasOldest && next != null) {
                    next.signal();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + describe());
        } finally {
            lock.unlock();
        }
    }

    private void awaitTurnAndTake(Condition me, long bytes) throws IOException, InterruptedException {
        while (true) {
            Requests.checkOpen(closed, this);
            if (queue.peekFirst() != me) {
                me.await();
                if (queue.peekFirst() != me && !closed) {
                    notTheirTurn++;
                }
            } else if (rate == 0) {
                return;
            } else {
                refill(System.nanoTime());
                if (tokens >= 0) {
                    tokens -= bytes;
                    return;
                }
                me.awaitNanos(Math.max(1, (long) Math.ceil(-tokens * NANOS / rate)));
            }
        }
    }

    /// Adds the tokens earned since [#refilledAt], up to the burst. Caller holds [#lock]; rate > 0.
    private void refill(long now) {
        tokens = Math.min(burstFor(rate), tokens + (double) (now - refilledAt) * rate / NANOS);
        refilledAt = now;
    }

    /// Fails waiting requests and closes the inner node.
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closed = true;
            queue.forEach(Condition::signal);
        } finally {
            lock.unlock();
        }
        inner.close();
    }
}
