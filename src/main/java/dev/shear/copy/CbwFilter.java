package dev.shear.copy;

import dev.shear.bitmap.ClusterBitmap;
import dev.shear.block.BlockNode;
import dev.shear.block.FilterNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.Requests;
import dev.shear.util.Futures;
import dev.shear.util.IoThreads;
import dev.shear.util.Watchdog;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/// The copy-before-write filter: a node over the live disk whose every guest write, write-zeroes
/// and discard first copies the *old* contents of the clusters it touches to the CBW target (the
/// backup target, or a fleecing image) — QEMU's `copy-before-write` driver.
///
/// ## The order that makes it correct ([#copyBeforeWrite])
/// 1. align the request out to clusters;
/// 2. copy the old data of still-dirty clusters (block-copy; never rate-limited; waits for copies
///    already in flight);
/// 3. mark those clusters *done* (snapshot reads now go to the target);
/// 4. wait for snapshot readers still reading those clusters from the source;
/// 5. let the guest's request through.
///
/// Guest reads and flush pass straight to the inner. With *write-behind* (decision 0023, under
/// break-snapshot only) a guest write is acknowledged as soon as it is taken into a bounded
/// buffer and goes through the five steps on a helper thread; [WriteBehind] keeps reads, flushes
/// and overlapping requests consistent with it. The filter also serves the snapshot-access
/// API ([SnapshotAccessNode] is its read-only face): reads of done clusters come from the target,
/// others from the source while registered as *frozen reads* that hold off overlapping guest writes.
///
/// ## Locking
/// `lock` guards `frozenReads` and every change of `accessBitmap` and `doneBitmap`.
/// `snapshotError` is set once (first failure under break-snapshot) and never cleared.
public final class CbwFilter extends FilterNode {
    private static final System.Logger LOG = System.getLogger(CbwFilter.class.getName());
    private final BlockCopy bcs;
    private final OnCbwError onError;
    private final long timeoutSeconds;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readsDone = lock.newCondition();
    /// Clusters the snapshot reader may still read; cleared by snapshot discard.
    private final ClusterBitmap accessBitmap;
    /// Clusters whose old data sits in the target.
    private final ClusterBitmap doneBitmap;
    /// Clusters the guest has written (or zeroed, or discarded) since the filter went in.
    private final ClusterBitmap guestWritten;
    /// Snapshot reads currently reading from the source, as {offset, end}. Guarded by `lock`.
    private final List<long[]> frozenReads = new ArrayList<>();
    private final AtomicReference<IOException> snapshotError = new AtomicReference<>();
    private final LongAdder copiedBeforeWrite = new LongAdder();
    /// Budget 0 without write-behind.
    private final WriteBehind writeBehind;
    private volatile boolean closed;

    /// A filter copying from `bcs.source()` (the live disk) to `bcs.target()` before guest writes.
    ///
    /// @param timeoutSeconds `cbw-timeout`: how long one copy may take before it counts as failed
    ///                       (0 = no limit); any non-negative value is honoured exactly
    public CbwFilter(BlockCopy bcs, OnCbwError onError, long timeoutSeconds) {
        this(bcs, onError, timeoutSeconds, 0);
    }

    /// A filter as above that acknowledges guest writes before their copy, holding up to
    /// `writeBehindBytes` of them (0 = none: every write waits for its copy). Write-behind needs
    /// break-snapshot: a copy that fails later cannot fail a write the guest was told succeeded.
    public CbwFilter(BlockCopy bcs, OnCbwError onError, long timeoutSeconds, long writeBehindBytes) {
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("cbw-timeout must not be negative: " + timeoutSeconds);
        }
        if (writeBehindBytes > 0 && onError != OnCbwError.BREAK_SNAPSHOT) {
            throw new IllegalArgumentException("write-behind needs on-cbw-error=break-snapshot: under "
                    + onError.optionValue() + " a failed copy must fail its guest write");
        }
        super(bcs.source());
        this.bcs = bcs;
        this.onError = onError;
        this.timeoutSeconds = timeoutSeconds;
        this.accessBitmap = bcs.copyBitmap().copy();
        this.doneBitmap = new ClusterBitmap(inner.size(), bcs.clusterSize());
        this.guestWritten = new ClusterBitmap(inner.size(), bcs.clusterSize());
        this.writeBehind = new WriteBehind((at, data, done) -> writeCopyingHere(at, data, false, done),
                writeBehindBytes, describe());
    }

    /// The block-copy state shared with a backup job (no fleecing) or private (fleecing).
    public BlockCopy blockCopy() {
        return bcs;
    }

    /// The live disk under the filter.
    public BlockNode source() {
        return inner;
    }

    /// The first copy-before-write failure under break-snapshot, if any.
    public IOException snapshotError() {
        return snapshotError.get();
    }

    /// Clusters whose old data is held in the target (read only).
    public ClusterBitmap doneBitmap() {
        return doneBitmap;
    }

    /// Clusters the snapshot reader may still read (read only).
    public ClusterBitmap accessBitmap() {
        return accessBitmap;
    }

    /// What the write-behind holds ([WriteBehindStats#NONE] without it).
    public WriteBehindStats writeBehind() {
        return writeBehind.stats();
    }

    /// Guest requests that had to copy old data before going through.
    public long copiedBeforeWrite() {
        return copiedBeforeWrite.sum();
    }

    /// Clusters the guest changed since the filter went in (read only).
    public ClusterBitmap guestWritten() {
        return guestWritten;
    }

    @Override
    public String describe() {
        return "copy-before-write filter over " + inner.describe();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        writeBehind.awaitClear(offset, dst.remaining());
        inner.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, src.remaining());
        if (writeBehind.take(offset, src, fua)) {
            return;
        }
        copyBeforeWrite(offset, src.remaining());
        inner.write(offset, src, fua);
    }

    /// The guest write of [#write] with its copy done on the calling thread, under a [Watchdog]
    /// instead of on a helper thread the caller waits for (decision 0019): no thread hand-over
    /// on the guest's path. When the copy overruns `cbw-timeout`, a helper thread settles the
    /// timeout (per `on-cbw-error`), does the guest write and completes `done`, while the
    /// calling thread stays with the copy; the copy's own outcome then no longer counts.
    @Override
    public void submitWrite(long offset, ByteBuffer src, boolean fua, CompletableFuture<Void> done) {
        try {
            Requests.checkOpen(closed, this);
            Requests.checkRange(this, offset, src.remaining());
            if (writeBehind.take(offset, src, fua)) {
                done.complete(null);
                return;
            }
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
            return;
        }
        writeCopyingHere(offset, src, fua, done);
    }

    /// [#submitWrite] once write-behind did not take the write, and write-behind's own way of
    /// carrying a pending write out (on a background thread, under the same timeout).
    private void writeCopyingHere(long offset, ByteBuffer src, boolean fua, CompletableFuture<Void> done) {
        Cbw c;
        try {
            c = begin(offset, src.remaining());
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return;
        }
        boolean copy = c != null && !c.pending().isEmpty();
        Watchdog.Watch watch = copy && timeoutSeconds > 0
                ? Watchdog.start(TimeUnit.SECONDS.toNanos(timeoutSeconds),
                        () -> finishWrite(c, timedOut(c.start(), c.end()), offset, src, fua, done))
                : null;
        IOException error = null;
        try {
            if (copy) {
                copyHere(c.start(), c.end());
            }
        } catch (IOException e) {
            error = e;
        } catch (RuntimeException | Error e) {          // the guest write fails with it, as in write()
            if (watch == null || watch.finish()) {
                done.completeExceptionally(e);
            } else {
                LOG.log(System.Logger.Level.WARNING, "a copy-before-write failed after its guest write went on", e);
            }
            if (e instanceof Error err) {
                throw err;
            }
            return;
        }
        if (watch != null && !watch.finish()) {
            return;                                   // overtaken: the guest write went on without this copy
        }
        if (copy && error == null) {
            copiedBeforeWrite.increment();
        }
        finishWrite(c, error, offset, src, fua, done);
    }

    /// Steps 3–5 after the copy (`c` null: none was needed); completes `done`.
    private void finishWrite(Cbw c, IOException error, long offset, ByteBuffer src, boolean fua,
            CompletableFuture<Void> done) {
        Futures.complete(done, () -> {
            if (c != null) {
                settle(c, error);
            }
            inner.write(offset, src, fua);
        });
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        writeBehind.awaitClear(offset, length);
        copyBeforeWrite(offset, length);
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        writeBehind.awaitClear(offset, length);
        copyBeforeWrite(offset, length);
        inner.discard(offset, length);
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
        writeBehind.barrier();
        inner.flush();
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        writeBehind.awaitClear(offset, length);
        return inner.blockStatus(offset, length);
    }

    /// Waits until every acknowledged write went through to the live disk; throws the failure of
    /// one that no flush reported yet (once).
    @Override
    public void quiesce() throws IOException {
        writeBehind.awaitIdle();
        inner.quiesce();
    }

    /// Carries out pending writes and marks the filter unusable; unlike other filters it does not
    /// close the live disk or the target, which belong to the caller. A failed acknowledged write
    /// that no flush or drain reported is logged: nobody else can learn of it now.
    @Override
    public void close() {
        try {
            quiesce();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "a guest write acknowledged by " + describe()
                    + " failed later and no flush reported it", e);
        }
        closed = true;
    }

    /// Steps 1–4 of the write path (see the class comment).
    private void copyBeforeWrite(long offset, long bytes) throws IOException {
        Cbw c = begin(offset, bytes);
        if (c == null) {
            return;
        }
        IOException error = null;
        try {
            if (!c.pending().isEmpty()) {            // nothing dirty or in flight: no copy (and no thread) needed
                copyOut(c.start(), c.end());
                copiedBeforeWrite.increment();
            }
        } catch (IOException e) {
            error = e;
        }
        settle(c, error);
    }

    /// One guest request's copy-before-write: its range aligned out to clusters (step 1) and the
    /// parts of it still to copy.
    private record Cbw(long start, long end, List<long[]> pending) {
    }

    /// Step 1; null when there is nothing to do (nothing written, or the snapshot is broken).
    private Cbw begin(long offset, long bytes) {
        if (bytes == 0) {
            return null;
        }
        guestWritten.set(offset, bytes);
        if (snapshotError.get() != null) {
            return null;                             // snapshot already broken: pure pass-through
        }
        long start = bcs.alignDown(offset);
        long end = bcs.alignUp(offset + bytes);
        return new Cbw(start, end, bcs.pendingRanges(start, end));
    }

    /// Steps 3 and 4 once the copy ended with `error` (null: copied); throws `error` when the
    /// guest write must fail with it.
    private void settle(Cbw c, IOException error) throws IOException {
        if (error != null && onError == OnCbwError.BREAK_GUEST_WRITE) {
            throw error;
        }
        lock.lock();
        try {
            if (error != null) {
                snapshotError.compareAndSet(null, error);
            } else {
                for (long[] r : c.pending()) {
                    doneBitmap.set(r[0], r[1] - r[0]);      // only where old data really went to the target
                }
            }
            while (overlapsFrozenRead(c.start(), c.end())) {
                readsDone.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /// Step 2 under `cbw-timeout`: on a helper thread, which the request's thread waits for
    /// until the timeout; without a timeout on the request's thread.
    private void copyOut(long start, long end) throws IOException {
        if (timeoutSeconds == 0) {
            copyHere(start, end);
            return;
        }
        try {
            CompletableFuture<Void> copy = new CompletableFuture<>();
            IoThreads.helper(() -> {
                try {
                    bcs.copy(start, end - start, this::copied);
                    copy.complete(null);
                } catch (Throwable t) {
                    copy.completeExceptionally(t);
                }
            });
            copy.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying old data before a guest write");
        } catch (TimeoutException e) {
            throw timedOut(start, end);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    private void copyHere(long start, long end) throws IOException {
        try {
            bcs.copy(start, end - start, this::copied);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while copying old data before a guest write");
        }
    }

    /// A range this filter copied is done the moment its copy succeeds, before it stops counting
    /// as being copied: a guest write to it that begins then copies nothing, and must find the
    /// snapshot reading the target. This also covers a copy that finished after its guest write
    /// went on without it (`cbw-timeout` under break-guest-write).
    private void copied(long start, long end) {
        lock.lock();
        try {
            doneBitmap.set(start, end - start);
        } finally {
            lock.unlock();
        }
    }

    private CbwTimeoutException timedOut(long start, long end) {
        return new CbwTimeoutException("copy-before-write of " + (end - start) + " bytes at " + start + " to "
                + bcs.target().describe() + " took longer than cbw-timeout (" + timeoutSeconds + " s)");
    }

    /// A copy-before-write operation exceeded `cbw-timeout`.
    public static final class CbwTimeoutException extends IOException {
        public CbwTimeoutException(String message) {
            super(message);
        }
    }

    private boolean overlapsFrozenRead(long start, long end) {
        for (long[] r : frozenReads) {
            if (r[0] < end && start < r[1]) {
                return true;
            }
        }
        return false;
    }

    // ---- snapshot-access API (used by SnapshotAccessNode) ----

    /// Where the first run of a snapshot read comes from: `file` for `length` bytes; `frozen` is
    /// the registration to release when it read from the source (null when it reads the target).
    record Lease(BlockNode file, long length, long[] frozen) {
    }

    Lease readLock(long offset, long bytes) throws IOException {
        lock.lock();
        try {
            IOException broken = snapshotError.get();
            if (broken != null) {
                throw new SnapshotBrokenException(broken);
            }
            if (!accessBitmap.allSet(offset, bytes)) {
                throw new IOException("snapshot range " + offset + "+" + bytes
                        + " is not accessible: it was discarded (already backed up) or never part of the snapshot");
            }
            boolean done = doneBitmap.isSetAt(offset);
            long change = done ? doneBitmap.nextClear(offset) : doneBitmap.nextSet(offset);
            long runEnd = change < 0 ? offset + bytes : Math.min(change, offset + bytes);
            if (done) {
                return new Lease(bcs.target(), runEnd - offset, null);
            }
            long[] frozen = {offset, runEnd};
            frozenReads.add(frozen);
            return new Lease(inner, runEnd - offset, frozen);
        } finally {
            lock.unlock();
        }
    }

    void readUnlock(Lease lease) {
        if (lease.frozen() == null) {
            return;
        }
        lock.lock();
        try {
            frozenReads.remove(lease.frozen());
            readsDone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /// Discards the snapshot range `[offset, offset+bytes)` aligned *inward* to clusters: it
    /// becomes unreadable, is no longer copied before writes, and its space in the target is freed.
    /// A range shorter than a cluster is ignored.
    void discardSnapshot(long offset, long bytes) throws IOException {
        long a = bcs.alignUp(offset);
        long b = offset + bytes >= inner.size() ? inner.size() : bcs.alignDown(offset + bytes);
        if (b <= a) {
            return;
        }
        lock.lock();
        try {
            accessBitmap.reset(a, b - a);
        } finally {
            lock.unlock();
        }
        bcs.reset(a, b - a);
        try {
            bcs.awaitInFlight(a, b - a);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while discarding snapshot range");
        }
        bcs.target().discard(a, b - a);
    }
}
