package dev.shear.copy;

import dev.shear.bitmap.ClusterBitmap;
import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.util.DirectBuffers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// Copies clusters from a source node to a target node exactly once each, shared by the
/// copy-before-write path (guest writes) and a backup job's background workers — QEMU's
/// `BlockCopyState`.
///
/// ## Guarantees
/// * A cluster whose bit is set in the **copy bitmap** has not been copied and no task is copying
///   it. A task *claims* its clusters by clearing their bits under `lock`, copies, and on failure
///   gives them back (sets the bits again). So a set bit never overlaps an in-flight task.
/// * [#copy] returns only when no cluster of its range is dirty or in flight: callers that overlap
///   an in-flight task wait for it, then retry what it gave back.
/// * The bytes are moved by a [RangeCopier]: zero runs as zeroes (the target stays sparse),
///   `sync=top` skipping what the source's top layer does not hold, data within the memory budget.
/// * With `discardSource`, each successful task discards its range on the source before the task
///   ends (for a snapshot-access source this frees the fleecing image).
public final class BlockCopy {
    /// The smallest copy granularity (QEMU's `BLOCK_COPY_CLUSTER_SIZE_DEFAULT`).
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;
    /// The largest single read/write (QEMU's `BLOCK_COPY_MAX_BUFFER`).
    public static final int MAX_BUFFER = DirectBuffers.MAX;

    private final BlockNode source;
    private final BlockNode target;
    private final long length;
    private final int clusterSize;
    private final long chunk;
    private final boolean discardSource;
    private final List<String> warnings;
    private final RateLimiter limiter;
    private final RangeCopier copier;

    private final ReentrantLock lock = new ReentrantLock();
    /// Signalled whenever a task ends or bits are reset.
    private final Condition changed = lock.newCondition();
    /// Bits are cleared (claimed) and given back only under `lock`; read anywhere.
    private final ClusterBitmap copyBitmap;
    /// Tasks now copying. Guarded by `lock`.
    private final List<Task> inFlight = new ArrayList<>();
    /// Sum of in-flight task lengths. Guarded by `lock`; read racily for progress.
    private volatile long inFlightBytes;
    /// Where background workers look for work next. Guarded by `lock`.
    private long cursor;
    private final AtomicLong bytesDone = new AtomicLong();

    /// A range being copied.
    private record Task(long offset, long bytes) {
        long end() {
            return offset + bytes;
        }
    }

    private BlockCopy(BlockNode source, BlockNode target, int clusterSize, long chunk, CopyOptions options,
                      ClusterBitmap initial, List<String> warnings) {
        this.source = source;
        this.target = target;
        this.length = source.size();
        this.clusterSize = clusterSize;
        this.chunk = chunk;
        this.discardSource = options.discardSource();
        this.warnings = List.copyOf(warnings);
        this.limiter = new RateLimiter(options.speed());
        this.copier = new RangeCopier(source, target, clusterSize, options.skipUnallocated(), options.memoryBudget());
        this.copyBitmap = new ClusterBitmap(length, clusterSize);
        if (initial == null) {
            copyBitmap.setAll();
        } else {
            copyBitmap.merge(initial);
        }
    }

    /// Prepares copying everything from `source` to `target` (copy bitmap all set), or only the
    /// clusters set in `initial` when it is not null (`sync=bitmap`).
    ///
    /// @throws IllegalArgumentException for mismatched sizes or invalid options, with a message a
    ///         user can act on
    public static BlockCopy create(BlockNode source, BlockNode target, CopyOptions options, ClusterBitmap initial) {
        List<String> warnings = new ArrayList<>();
        int cs = CopyPlan.validate(source, target, options, warnings);
        long chunk = Math.max(cs, MAX_BUFFER);
        if (options.maxChunk() != 0) {
            chunk = Math.min(chunk, options.maxChunk() / cs * cs);
        }
        return new BlockCopy(source, target, cs, chunk, options, initial, warnings);
    }


    /// `sync=top`: clears the copy bits of clusters the source's top layer does not hold. Call it
    /// once the point in time is fixed (the source then shows it).
    public void resetUnallocated() throws IOException {
        long pos = 0;
        while (pos < length) {
            BlockStatus s = source.blockStatus(pos, length - pos);
            if (s.state() == BlockStatus.State.UNALLOCATED) {
                long a = alignUp(s.offset());
                long b = s.end() == length ? length : alignDown(s.end());
                if (b > a) {
                    reset(a, b - a);
                }
            }
            pos = s.end();
        }
    }

    /// The copy granularity in bytes.
    public int clusterSize() {
        return clusterSize;
    }

    /// The largest task in bytes.
    public long chunkSize() {
        return chunk;
    }

    /// Warnings found while setting up (e.g. an unknown target cluster size).
    public List<String> warnings() {
        return warnings;
    }

    /// The rate limiter of background copying (changeable while running).
    public RateLimiter rateLimiter() {
        return limiter;
    }

    /// The source node.
    public BlockNode source() {
        return source;
    }

    /// The target node.
    public BlockNode target() {
        return target;
    }

    /// Replaces the clusters to copy with those set in `bits` (rounded outward to this copy's
    /// clusters). Only before any copying started (when the point in time is fixed).
    public void loadInitial(ClusterBitmap bits) {
        lock.lock();
        try {
            if (!inFlight.isEmpty() || bytesDone.get() != 0) {
                throw new IllegalStateException("copy already started");
            }
            copyBitmap.clear();
            copyBitmap.merge(bits);
        } finally {
            lock.unlock();
        }
    }

    /// The copy bitmap: set bits are clusters still to copy (read it; never change it directly).
    public ClusterBitmap copyBitmap() {
        return copyBitmap;
    }

    /// Bytes copied so far (data and zeroes).
    public long bytesDone() {
        return bytesDone.get();
    }

    /// Bytes that were read from the source and written as data (not zero runs).
    public long bytesCopiedAsData() {
        return copier.bytesCopiedAsData();
    }

    /// Bytes still to copy: dirty plus in flight.
    public long bytesRemaining() {
        return copyBitmap.dirtyBytes() + inFlightBytes;
    }

    /// The ranges being copied right now (a copy).
    public List<long[]> inFlightRanges() {
        lock.lock();
        try {
            List<long[]> out = new ArrayList<>(inFlight.size());
            for (Task t : inFlight) {
                out.add(new long[] {t.offset(), t.bytes()});
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    long alignDown(long v) {
        return copier.alignDown(v);
    }

    long alignUp(long v) {
        return copier.alignUp(v);
    }

    /// Told of each range a [#copy] call copied itself, before the range stops counting as
    /// being copied (see [#pendingRanges]).
    @FunctionalInterface
    public interface Copied {
        void copied(long offset, long end);
    }

    /// Copies every dirty cluster touched by `[offset, offset+bytes)`, ignoring the rate limit
    /// (the copy-before-write path). Returns once none of them is dirty or being copied.
    public void copy(long offset, long bytes) throws IOException, InterruptedException {
        copy(offset, bytes, null);
    }

    /// As [#copy(long, long)], telling `copied` (if not null) of every range this call copies
    /// itself — also when that happens after the caller stopped waiting for it (a copy-before-write
    /// past `cbw-timeout`).
    public void copy(long offset, long bytes, Copied copied) throws IOException, InterruptedException {
        if (bytes == 0) {
            return;
        }
        long start = alignDown(offset);
        long end = alignUp(offset + bytes);
        while (true) {
            Task t;
            while ((t = claim(start, end)) != null) {
                run(t, copied);
            }
            lock.lock();
            try {
                while (overlaps(start, end)) {
                    changed.await();
                }
                if (copyBitmap.noneSet(start, end - start)) {
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /// Marks `[offset, offset+bytes)` (cluster-aligned, or ending at the device end) as not to be
    /// copied: snapshot discard and `sync=top` use it.
    public void reset(long offset, long bytes) {
        lock.lock();
        try {
            copyBitmap.reset(offset, bytes);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// The parts of `[start, end)` (cluster-aligned) whose old data is not on the target yet: dirty
    /// or being copied, as `{offset, end}` ranges. After a successful [#copy] of the range they are
    /// exactly what that call put (or waited for) on the target.
    public List<long[]> pendingRanges(long start, long end) {
        lock.lock();
        try {
            List<long[]> parts = new ArrayList<>();     // no disk-sized scratch bitmap: this runs on every guest write
            long d = copyBitmap.nextSet(start);
            while (d >= 0 && d < end) {
                long stop = copyBitmap.nextClear(d);
                stop = stop < 0 || stop > end ? end : stop;
                parts.add(new long[] {d, stop});
                d = stop >= end ? -1 : copyBitmap.nextSet(stop);
            }
            for (Task t : inFlight) {
                long a = Math.max(start, t.offset());
                long b = Math.min(end, t.end());
                if (a < b) {
                    parts.add(new long[] {a, b});
                }
            }
            parts.sort(java.util.Comparator.comparingLong(r -> r[0]));
            List<long[]> out = new ArrayList<>();
            for (long[] r : parts) {
                if (!out.isEmpty() && r[0] <= out.getLast()[1]) {
                    out.getLast()[1] = Math.max(out.getLast()[1], r[1]);
                } else {
                    out.add(r);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /// Waits until no task overlapping `[offset, offset+bytes)` is in flight.
    public void awaitInFlight(long offset, long bytes) throws InterruptedException {
        lock.lock();
        try {
            while (overlaps(offset, offset + bytes)) {
                changed.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /// Controls background workers: a paused job blocks in [#awaitRunnable]; a cancelled or failed
    /// one returns false and the workers stop claiming work.
    public interface Control {
        /// Blocks while paused; false once the job must stop.
        boolean awaitRunnable() throws InterruptedException;

        /// Called with the first error of a worker; the job fails with it.
        void failed(Exception error);

        /// True once the workers must stop (cancelled or failed); checked while rate-limited.
        boolean stopping();
    }

    /// One background worker: claims dirty areas in ascending order (wrapping around for clusters
    /// given back after a failure), until nothing is dirty and nothing is in flight, or `control`
    /// says stop. Run it on `max-workers` threads. It reserves a chunk of the rate limit *before*
    /// claiming (so no cluster is held while it waits, and guest writes never wait for the limit)
    /// and refunds what the task did not move as data.
    public void backgroundWorker(Control control) {
        try {
            while (control.awaitRunnable()) {
                if (!limiter.acquire(chunk, control::stopping)) {
                    return;
                }
                Task t = claimNext();
                if (t == null) {
                    limiter.refund(chunk);
                    lock.lock();
                    try {
                        if (copyBitmap.count() == 0 && inFlight.isEmpty()) {
                            return;
                        }
                        if (copyBitmap.count() == 0) {
                            changed.await(100, TimeUnit.MILLISECONDS);
                        }
                    } finally {
                        lock.unlock();
                    }
                    continue;
                }
                long moved = 0;
                try {
                    moved = run(t, null);
                } finally {
                    // only data moved counts against the limit; zero runs are free
                    limiter.refund(chunk - Math.min(chunk, moved));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            control.failed(e);
        } catch (IOException | RuntimeException e) {
            control.failed(e);
        }
    }

    /// The end of the range from `from` on that is final on the target: no cluster in
    /// `[from, result)` is dirty or being copied. Lets a reader (a hash, a verifier) follow the copy.
    public long settledUpTo(long from) {
        lock.lock();
        try {
            long dirty = copyBitmap.nextSet(from);
            long end = dirty < 0 ? length : dirty;
            for (Task t : inFlight) {
                if (t.end() > from) {
                    end = Math.min(end, Math.max(from, t.offset()));
                }
            }
            return end;
        } finally {
            lock.unlock();
        }
    }

    /// True when every cluster has been copied and nothing is in flight.
    public boolean isComplete() {
        lock.lock();
        try {
            return copyBitmap.count() == 0 && inFlight.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private Task claim(long start, long end) {
        lock.lock();
        try {
            ClusterBitmap.Range area = copyBitmap.nextDirtyArea(start, end, chunk);
            return area == null ? null : begin(area);
        } finally {
            lock.unlock();
        }
    }

    private Task claimNext() {
        lock.lock();
        try {
            ClusterBitmap.Range area = copyBitmap.nextDirtyArea(cursor, length, chunk);
            if (area == null && cursor > 0) {
                area = copyBitmap.nextDirtyArea(0, length, chunk);
            }
            if (area == null) {
                return null;
            }
            cursor = area.end() >= length ? 0 : area.end();
            return begin(area);
        } finally {
            lock.unlock();
        }
    }

    /// Claims `area`; caller holds `lock`.
    private Task begin(ClusterBitmap.Range area) {
        copyBitmap.reset(area.offset(), area.length());
        Task t = new Task(area.offset(), area.length());
        inFlight.add(t);
        inFlightBytes += t.bytes();
        return t;
    }

    /// Caller holds `lock`.
    private boolean overlaps(long start, long end) {
        for (Task t : inFlight) {
            if (t.offset() < end && start < t.end()) {
                return true;
            }
        }
        return false;
    }

    /// Copies task `t`; returns the bytes it moved as data.
    private long run(Task t, Copied copied) throws IOException, InterruptedException {
        boolean ok = false;
        try {
            long moved = copier.copy(t.offset(), t.end());
            if (discardSource) {
                source.discard(t.offset(), t.bytes());
            }
            if (copied != null) {
                copied.copied(t.offset(), t.end());
            }
            ok = true;
            return moved;
        } finally {
            lock.lock();
            try {
                inFlight.remove(t);
                inFlightBytes -= t.bytes();
                if (ok) {
                    bytesDone.addAndGet(t.bytes());
                } else {
                    copyBitmap.set(t.offset(), t.bytes());
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
