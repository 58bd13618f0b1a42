package dev.shear.copy;

import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// Guest writes that a copy-before-write filter acknowledges at once and carries out behind the
/// guest's back, copy of old data first (decision 0023): a bounded write-back cache in front of
/// the filter's own write path, so that a guest with fleecing never waits for the read of old data.
///
/// The guest sees a disk with a volatile write cache, as NBD and virtio allow:
/// * **Read your writes.** A read, block-status query, write-zeroes, discard or write that
///   overlaps a pending write waits until it went through ([#awaitClear]); pending writes never
///   overlap each other, so they cannot land out of order.
/// * **Flush.** [#barrier] waits for every write accepted before it, then throws the first failure
///   of one of them: an acknowledged write that failed later is reported by the next flush, as
///   Linux reports a page-cache writeback error by the next `fsync`.
/// * **Bounded.** At most `budget` bytes are held; a write that does not fit, a FUA write, and
///   every write after a failure take the filter's synchronous path ([#take] returns false).
/// * **Drained.** [#awaitIdle] waits until nothing is pending, before the filter leaves the path.
///
/// Up to [#WORKERS] helper threads carry pending writes out, oldest first.
final class WriteBehind {
    private static final System.Logger LOG = System.getLogger(WriteBehind.class.getName());
    /// Pending writes carried out at once: enough to keep a 2000-writes/s guest's old-data reads
    /// (about 100 µs each) from queueing, few enough not to crowd the device.
    static final int WORKERS = 8;

    /// The filter's synchronous write path: copy old data, then write `data` at `offset`.
    @FunctionalInterface
    interface Apply {
        void write(long offset, ByteBuffer data) throws IOException;
    }

    private record Pending(long seq, long offset, ByteBuffer data) {
        long end() {
            return offset + data.remaining();
        }
    }

    private final Apply apply;
    private final long budget;
    private final String what;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // all guarded by `lock`
    /// Pending writes by offset; disjoint, so also ordered by end.
    private final TreeMap<Long, Pending> byOffset = new TreeMap<>();
    /// Pending writes by acceptance, for flush barriers.
    private final TreeMap<Long, Pending> bySeq = new TreeMap<>();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long held;
    private long peak;
    private long overBudget;
    private long nextSeq;
    private int workers;
    private IOException unreported;
    /// Sequence number of the write that failed with `unreported`.
    private long unreportedSeq;
    private boolean failed;

    /// @param apply  the synchronous write path pending writes go through
    /// @param budget bytes that may be held at once; 0 = none (every method returns at once)
    /// @param what   the filter, for messages
    WriteBehind(Apply apply, long budget, String what) {
        if (budget < 0) {
            throw new IllegalArgumentException("write-behind must not be negative: " + budget);
        }
        this.apply = apply;
        this.budget = budget;
        this.what = what;
    }

    /// Takes a guest write to carry out later and returns true: the caller acknowledges it now.
    /// Returns false, having waited for the pending writes it overlaps, when the write must go the
    /// synchronous way: write-behind is off, the write is FUA (it promises durability on return)
    /// or empty, it does not fit, or an earlier pending write failed. `src` is left as it was.
    boolean take(long offset, ByteBuffer src, boolean fua) {
        if (budget == 0) {
            return false;
        }
        if (fua || !src.hasRemaining()) {
            awaitClear(offset, src.remaining());
            return false;
        }
        return offer(offset, src);
    }

    private boolean offer(long offset, ByteBuffer src) {
        int length = src.remaining();
        ByteBuffer copy = ByteBuffer.allocate(length).put(src.duplicate()).flip();
        lock.lock();
        try {
            // every overlapping pending write, also one accepted while this one waited: pending
            // writes must never overlap (review of a90d7c4)
            while (overlapsOlder(offset, offset + length, Long.MAX_VALUE)) {
                changed.awaitUninterruptibly();
            }
            if (failed) {
                return false;
            }
            if (held + length > budget) {
                overBudget++;
                return false;
            }
            Pending p = new Pending(nextSeq++, offset, copy);
            byOffset.put(offset, p);
            bySeq.put(p.seq(), p);
            queue.add(p);
            held += length;
            peak = Math.max(peak, held);
            if (workers < WORKERS) {
                workers++;
                IoThreads.helper(this::work);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /// Waits for the pending writes accepted so far that overlap `[offset, offset+length)`; later
    /// ones are concurrent with the caller's request, in any order, and waiting for them could
    /// last forever.
    void awaitClear(long offset, long length) {
        if (budget == 0) {
            return;
        }
        lock.lock();
        try {
            long upTo = nextSeq;
            while (overlapsOlder(offset, offset + length, upTo)) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean overlapsOlder(long start, long end, long upTo) {
        Long first = byOffset.floorKey(start);
        for (Pending p : byOffset.subMap(first == null ? start : first, true, end, false).values()) {
            if (p.end() > start && p.seq() < upTo) {
                return true;
            }
        }
        return false;
    }

    /// A flush barrier: waits for every write accepted so far, then throws the first failure among
    /// pending writes not reported yet (once).
    void barrier() throws IOException {
        if (budget == 0) {
            return;
        }
        lock.lock();
        try {
            long upTo = nextSeq;
            while (!bySeq.isEmpty() && bySeq.firstKey() < upTo) {
                changed.awaitUninterruptibly();
            }
            IOException e = unreported != null && unreportedSeq < upTo ? unreported : null;
            if (e != null) {
                unreported = null;
                throw new IOException("a write acknowledged earlier failed when " + what + " carried it out: "
                        + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    /// Waits until nothing is pending. A failure nobody was told of yet is logged: the guest will
    /// not flush through this filter again.
    void awaitIdle() {
        if (budget == 0) {
            return;
        }
        lock.lock();
        try {
            while (!bySeq.isEmpty()) {
                changed.awaitUninterruptibly();
            }
            if (unreported != null) {
                LOG.log(System.Logger.Level.ERROR, "a guest write acknowledged by " + what
                        + " failed later and no flush reported it", unreported);
                unreported = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /// Bytes held now, the most held at once, and writes that waited because the budget was full.
    WriteBehindStats stats() {
        lock.lock();
        try {
            return new WriteBehindStats(held, peak, overBudget);
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (true) {
            Pending p;
            lock.lock();
            try {
                p = queue.poll();
                if (p == null) {
                    workers--;
                    return;
                }
            } finally {
                lock.unlock();
            }
            IOException error = null;
            Error fatal = null;
            try {
                apply.write(p.offset(), p.data().duplicate());
            } catch (IOException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new IOException(e);
            } catch (Error e) {
                error = new IOException(e);
                fatal = e;
            }
            lock.lock();
            try {
                if (error != null) {
                    failed = true;
                    if (unreported == null) {
                        unreported = error;
                        unreportedSeq = p.seq();
                    }
                    LOG.log(System.Logger.Level.WARNING, "an acknowledged write of " + p.data().remaining() + " bytes at "
                            + p.offset() + " through " + what + " failed; the next flush reports it", error);
                }
                byOffset.remove(p.offset(), p);
                bySeq.remove(p.seq());
                held -= p.data().remaining();
                if (fatal != null && queue.isEmpty()) {
                    workers--;                      // else a new thread takes this one's place
                } else if (fatal != null) {
                    IoThreads.helper(this::work);
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (fatal != null) {
                throw fatal;
            }
        }
    }
}
