package dev.shear.copy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/// Limits background copying to a number of bytes per second (the backup's `speed`, vzdump's
/// `bwlimit`), changeable while copies wait. Copies made for guest writes never pass through it
/// (QEMU's `ignore_ratelimit`): the guest must not wait for a bandwidth limit.
///
/// Each [#acquire] reserves its bytes on a virtual timeline and sleeps until its slot begins; a
/// burst of up to one 100 ms slice is allowed. Waiters re-check every 100 ms, so a new rate takes
/// effect promptly.
public final class RateLimiter {
    private static final long SLICE_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ReentrantLock lock = new ReentrantLock();
    /// Bytes per second, 0 = unlimited. Guarded by `lock`.
    private long bytesPerSecond;
    /// When the next reservation may start (System.nanoTime scale). Guarded by `lock`.
    private long nextFree = System.nanoTime();

    /// A limiter at `bytesPerSecond` (0 = unlimited).
    public RateLimiter(long bytesPerSecond) {
        setBytesPerSecond(bytesPerSecond);
    }

    /// Changes the rate (0 = unlimited); waiting callers see it within 100 ms.
    public void setBytesPerSecond(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("speed must not be negative: " + bytesPerSecond);
        }
        lock.lock();
        try {
            this.bytesPerSecond = bytesPerSecond;
            this.nextFree = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    /// Gives back bytes reserved by [#acquire] but not transferred (a task that found zeroes).
    public void refund(long bytes) {
        lock.lock();
        try {
            if (bytesPerSecond > 0 && bytes > 0) {
                nextFree -= (long) Math.min(bytes * 1e9 / bytesPerSecond, Long.MAX_VALUE / 4.0);
            }
        } finally {
            lock.unlock();
        }
    }

    /// The current rate in bytes per second (0 = unlimited).
    public long bytesPerSecond() {
        lock.lock();
        try {
            return bytesPerSecond;
        } finally {
            lock.unlock();
        }
    }

    /// Waits until `bytes` may be transferred under the current rate.
    public void acquire(long bytes) throws InterruptedException {
        acquire(bytes, () -> false);
    }

    /// Waits until `bytes` may be transferred, or until `stop` turns true (checked every 100 ms);
    /// returns false when it stopped early.
    public boolean acquire(long bytes, java.util.function.BooleanSupplier stop) throws InterruptedException {
        while (true) {
            if (stop.getAsBoolean()) {
                return false;
            }
            long wait;
            lock.lock();
            try {
                if (bytesPerSecond == 0) {
                    return true;
                }
                long now = System.nanoTime();
                long start = Math.max(nextFree, now - SLICE_NS);
                wait = start - now;
                if (wait <= 0) {
                    double ns = bytes * 1e9 / bytesPerSecond;
                    nextFree = start + (long) Math.min(ns, Long.MAX_VALUE / 4.0);
                    return true;
                }
            } finally {
                lock.unlock();
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, SLICE_NS));
        }
    }
}
