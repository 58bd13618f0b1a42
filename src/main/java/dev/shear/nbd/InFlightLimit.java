package dev.shear.nbd;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// Bounds what one connection has in flight: at most `maxRequests` requests and `maxBytes` of
/// payload (write data held, read data to be sent). The reader thread acquires before it reads a
/// request's payload, so a client that sends faster than the node serves simply finds the socket
/// no longer read.
final class InFlightLimit {
    private final int maxRequests;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /// Requests acquired and not released; guarded by `lock`.
    private int requests;
    /// Payload bytes acquired and not released; guarded by `lock`.
    private long bytes;
    /// Set once by [#close]; guarded by `lock`.
    private boolean closed;

    InFlightLimit(int maxRequests, long maxBytes) {
        this.maxRequests = maxRequests;
        this.maxBytes = maxBytes;
    }

    /// Waits until one more request of `cost` bytes (≤ maxBytes) fits and counts it; returns how
    /// many requests are then in flight (this one included), or 0 once closed (nothing counted).
    int acquire(long cost) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && (requests >= maxRequests || bytes + cost > maxBytes)) {
                changed.await();
            }
            if (closed) {
                return 0;
            }
            bytes += cost;
            return ++requests;
        } finally {
            lock.unlock();
        }
    }

    void release(long cost) {
        lock.lock();
        try {
            requests--;
            bytes -= cost;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// Makes waiting and future [#acquire] calls return false; requests in flight stay counted.
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// Waits up to `timeout` for every acquired request to be released; true when none is left.
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (requests > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /// Waits without limit for every acquired request to be released.
    void awaitIdle() throws InterruptedException {
        lock.lock();
        try {
            while (requests > 0) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }
}
