package dev.shear.copy;

import dev.shear.util.Futures;
import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

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
/// Up to [#WORKERS] background threads carry pending writes out, oldest first (decision 0024).
/// A guest request that waits for pending writes (a flush, an overlapping request, a drain) does
/// not wait for threads that a busy CPU may starve: up to [#WORKERS] more threads at the guest's
/// priority join in while it waits ([#hurry]).
final class WriteBehind {
    private static final System.Logger LOG = System.getLogger(WriteBehind.class.getName());
    /// Pending writes carried out at once: enough to keep a 2000-writes/s guest's old-data reads
    /// (about 100 µs each) from queueing, few enough not to crowd the device.
    static final int WORKERS = 8;
    private static final int RUNNING = 0;
    private static final int RETURNED = 1;
    private static final int HELD = 2;

    /// The filter's write path: copy old data, then write `data` at `offset`, and complete `done`
    /// (possibly later, on another thread, when the copy overran `cbw-timeout`).
    @FunctionalInterface
    interface Apply {
        void submit(long offset, ByteBuffer data, CompletableFuture<Void> done);
    }

    private record Pending(long seq, long offset, ByteBuffer data) {
        long end() {
            return offset + data.remaining();
        }
    }

    /// Buffers of landed writes by length in 4 KiB units (4 KiB to 64 KiB), for the next writes
    /// of that length: a fresh, zeroed array per guest write was the Java side's largest cost on
    /// the guest's path and a third of a fleecing backup's garbage. At most 1 MiB per length.
    private final List<ArrayBlockingQueue<byte[]>> pool = pool();
    private final Apply apply;
    private final Consumer<Runnable> threads;
    private final Consumer<Runnable> urgentThreads;
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
    /// Workers started for a waiting guest request ([#hurry]).
    private int urgent;
    /// Guest requests waiting for pending writes now; urgent workers stop when there are none.
    private int waiters;
    private IOException unreported;
    /// Sequence number of the write that failed with `unreported`.
    private long unreportedSeq;
    private boolean failed;

    /// @param apply  the synchronous write path pending writes go through
    /// @param budget bytes that may be held at once; 0 = none (every method returns at once)
    /// @param what   the filter, for messages
    WriteBehind(Apply apply, long budget, String what) {
        this(apply, budget, what, IoThreads::background);
    }

    /// @param threads starts a background thread that runs the given work (tests: one that fails,
    ///                or one that never runs)
    WriteBehind(Apply apply, long budget, String what, Consumer<Runnable> threads) {
        if (budget < 0) {
            throw new IllegalArgumentException("write-behind must not be negative: " + budget);
        }
        this.apply = apply;
        this.threads = threads;
        this.urgentThreads = IoThreads::helper;
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
        ByteBuffer copy = ByteBuffer.wrap(borrow(length)).put(src.duplicate()).flip();
        boolean taken = false;
        lock.lock();
        try {
            // every overlapping pending write, also one accepted while this one waited: pending
            // writes must never overlap (review of a90d7c4)
            while (overlapsOlder(offset, offset + length, Long.MAX_VALUE)) {
                awaitHurried();
            }
            if (failed) {
                return false;
            }
            if (held + length > budget) {
                overBudget++;
                return false;
            }
            taken = true;
            Pending p = new Pending(nextSeq++, offset, copy);
            byOffset.put(offset, p);
            bySeq.put(p.seq(), p);
            queue.add(p);
            held += length;
            peak = Math.max(peak, held);
            if (workers < WORKERS && !startWorker() && workers == 0) {
                byOffset.remove(offset, p);                 // nobody would carry it out: the caller does
                bySeq.remove(p.seq());
                queue.remove(p);
                held -= length;
                taken = false;
                return false;
            }
            return true;
        } finally {
            lock.unlock();
            if (!taken) {
                giveBack(copy.array());
            }
        }
    }

    private static List<ArrayBlockingQueue<byte[]>> pool() {
        List<ArrayBlockingQueue<byte[]>> p = new ArrayList<>();
        for (int units = 1; units <= POOLED_UNITS; units++) {
            p.add(new ArrayBlockingQueue<>(POOL_BYTES / (units * POOL_UNIT)));
        }
        return p;
    }

    private static final int POOL_UNIT = 4096;
    private static final int POOLED_UNITS = 16;
    private static final int POOL_BYTES = 1 << 20;

    /// The pool for arrays of `length` bytes, or null when they are not pooled.
    private ArrayBlockingQueue<byte[]> poolOf(int length) {
        return length > 0 && length % POOL_UNIT == 0 && length <= POOLED_UNITS * POOL_UNIT
                ? pool.get(length / POOL_UNIT - 1) : null;
    }

    /// An array of `length` bytes whose contents the caller overwrites: a pooled one if there is.
    private byte[] borrow(int length) {
        ArrayBlockingQueue<byte[]> p = poolOf(length);
        byte[] b = p != null ? p.poll() : null;
        return b != null ? b : new byte[length];
    }

    /// Returns the array of a write that landed, or was not taken, to the pool (if it has room).
    private void giveBack(byte[] b) {
        ArrayBlockingQueue<byte[]> p = poolOf(b.length);
        if (p != null) {
            p.offer(b);
        }
    }

    /// Guest requests waiting for pending writes now (tests).
    int waiting() {
        lock.lock();
        try {
            return waiters;
        } finally {
            lock.unlock();
        }
    }

    /// Arrays in the pool now (tests).
    int pooled() {
        return pool.stream().mapToInt(ArrayBlockingQueue::size).sum();
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
                awaitHurried();
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
                awaitHurried();
            }
            IOException e = unreported != null && unreportedSeq < upTo ? unreported : null;
            if (e != null) {
                unreported = null;
                throw acknowledgedFailed(e);
            }
        } finally {
            lock.unlock();
        }
    }

    /// Waits until nothing is pending, then throws the failure of a pending write that no flush
    /// reported yet (once): the filter is about to leave the guest's path, and the caller passes
    /// it on to the guest's next flush.
    void awaitIdle() throws IOException {
        if (budget == 0) {
            return;
        }
        lock.lock();
        try {
            while (!bySeq.isEmpty()) {
                awaitHurried();
            }
            IOException e = unreported;
            if (e != null) {
                unreported = null;
                throw acknowledgedFailed(e);
            }
        } finally {
            lock.unlock();
        }
    }

    private IOException acknowledgedFailed(IOException e) {
        return new IOException("a write acknowledged earlier failed when " + what + " carried it out: "
                + e.getMessage(), e);
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

    /// Starts one more worker; false when no thread could be started (out of native threads), in
    /// which case the workers there are carry the queue. Called with the lock held.
    private boolean startWorker() {
        workers++;
        try {
            threads.accept(() -> work(false));
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            workers--;
            LOG.log(System.Logger.Level.WARNING, what + " could not start a thread for acknowledged writes: " + e);
            return false;
        }
    }

    /// Waits for a change as a guest request waiting for pending writes ([#hurry]). Called with
    /// the lock held.
    private void awaitHurried() {
        waiters++;
        try {
            hurry();
            changed.awaitUninterruptibly();
        } finally {
            waiters--;
        }
    }

    /// A guest request waits for pending writes: background workers get a tenth of the CPU a
    /// guest thread gets when the CPU is busy, and draining a full budget through them could take
    /// seconds (review of c3bdf78). So up to [#WORKERS] threads of the guest-request kind take
    /// queued writes too, oldest first, while some request waits. Writes a background worker has
    /// already taken are not hurried: at most [#WORKERS] of them, each one copy. Called with the
    /// lock held; from a background thread [IoThreads#helper] waits for the relay while holding
    /// it, but no background thread waits for pending writes today (the job's copy workers never
    /// go through the filter), so that priority inversion cannot happen yet.
    private void hurry() {
        while (urgent < WORKERS && urgent < queue.size()) {
            urgent++;
            try {
                urgentThreads.accept(() -> work(true));
            } catch (RuntimeException | OutOfMemoryError e) {
                urgent--;                               // the background workers carry the queue
                LOG.log(System.Logger.Level.WARNING, what + " could not start a thread for a waiting request: " + e);
                return;
            }
        }
    }

    /// Carries queued writes out until the queue is empty, or, for an urgent worker, until no
    /// request waits any more.
    ///
    /// @param urgentWorker started by [#hurry], counted in `urgent` rather than `workers`
    private void work(boolean urgentWorker) {
        while (true) {
            Pending p;
            lock.lock();
            try {
                p = urgentWorker && waiters == 0 ? null : queue.poll();
                if (p == null) {
                    if (urgentWorker) {
                        urgent--;
                    } else {
                        workers--;
                    }
                    return;
                }
            } finally {
                lock.unlock();
            }
            // RUNNING until the worker returns from the write (RETURNED), or until another thread
            // completes it while the worker is still in it (HELD: a copy past cbw-timeout)
            AtomicInteger state = new AtomicInteger(RUNNING);
            Thread worker = Thread.currentThread();
            CompletableFuture<Void> done = new CompletableFuture<>();
            done.whenComplete((ok, failure) -> landed(p, failure,
                    Thread.currentThread() != worker && state.compareAndSet(RUNNING, HELD), urgentWorker));
            try {
                apply.submit(p.offset(), p.data().duplicate(), done);
            } catch (RuntimeException | Error e) {      // e.g. out of memory: this write fails, the thread goes on
                done.completeExceptionally(e);
            }
            if (!state.compareAndSet(RUNNING, RETURNED)) {
                return;                                 // held: a replacement took this worker's place and count
            }
        }
    }

    /// A pending write went through, or failed. `held` is true when the thread carrying it out
    /// is still in it (its copy overran `cbw-timeout` and a helper finished the write): a
    /// new worker then carries the rest of the queue (an urgent one is restarted by the waiting
    /// request's [#hurry], which this wakes).
    private void landed(Pending p, Throwable failure, boolean workerHeld, boolean urgentWorker) {
        lock.lock();
        try {
            if (failure != null) {
                Throwable cause = Futures.cause(failure);
                IOException error = cause instanceof IOException io ? io : new IOException(cause);
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
            giveBack(p.data().array());          // the write is done with it, also when it was overtaken
            if (workerHeld && urgentWorker) {
                urgent--;
            } else if (workerHeld) {
                workers--;                              // the held thread no longer counts as a worker
                if (!queue.isEmpty()) {
                    startWorker();
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
