package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.Requests;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/// A qcow2 image as a [BlockNode]: version 3 images (`compat=1.1`, as `qemu-img create -f qcow2`
/// makes them) read and written, any cluster size (512 B – 2 MiB) and refcount width (1 – 64 bits),
/// with a raw or qcow2 backing chain. Version 2 (`compat=0.10`) images, images with internal
/// snapshots and images with persistent dirty bitmaps open read-only (writable opens are refused).
/// Refused with a [Qcow2FormatException] naming the file and the feature: compressed clusters (when
/// met), encryption, external data files, extended L2 entries, unknown incompatible features, and
/// images marked dirty or corrupt.
///
/// ```
/// Qcow2Node top = Qcow2Node.create(dir.resolve("top.qcow2"), Qcow2Options.of(size)
///         .withBacking("base.qcow2", Qcow2Options.BackingFormat.QCOW2));   // qemu-img create -b -F
/// ```
///
/// ## Block states
/// A guest cluster with data is [BlockStatus.State#DATA]; a zero-flagged one (with or without a
/// preallocated host cluster) is ZERO; an unallocated one is UNALLOCATED when a backing file shows
/// through, ZERO without one. Unallocated clusters read the backing file (zeroes past its end).
///
/// ## Crash safety
/// Metadata is written through (never cached dirty) in an order that leaves the image consistent
/// after the process dies at any instant — at worst with leaked clusters, which `qemu-img check -r
/// leaks` reclaims:
/// * **allocation**: refcounts written → data written → L2 entries written; a new L2 table is
///   written whole before the L1 entry that points at it ([ClusterWriter], [ClusterMap#apply]);
///   a new refcount block is written before its refcount-table entry, a new refcount table before
///   the header points at it ([Refcounts], [RefcountTableGrowth]);
/// * **discard / zero with unmap**: L2 entries written → host range punched → refcounts lowered
///   ([ClusterZeroer], [Refcounts#free]).
///
/// Writes are not flushed individually: [#flush] (or FUA) `fsync`s data and metadata together.
/// The order above holds between system calls, which is what a killed process needs. It is not
/// enforced against a power loss between flushes: the kernel may then persist an L2 entry before
/// the refcount it depends on (QEMU flushes between such dependent updates; Shear does not yet),
/// an error `qemu-img check -r all` repairs.
///
/// ## Threads
/// One read-write lock for the metadata, not held across the data write of an allocating write, a
/// discard's hole punch or a flush (QEMU's qcow2 driver keeps its `s->lock` the same way), so those
/// do not hold up other requests (rarer paths still do I/O under it: the partial clusters of a
/// write-zeroes, freeing after a failed write, growing the refcount table):
/// * reads, block status and writes whose clusters are all allocated already run under the read
///   lock, concurrently;
/// * an allocating write allocates its host clusters under the write lock and *fences* its guest
///   clusters, writes its data without the lock, then writes its L2 entries under the write lock
///   again ([ClusterWriter]);
/// * write-zeroes and discard wait for fences on their clusters, change the L2 entries under the
///   write lock, then punch the dropped host clusters without it (they keep their refcounts, so
///   nobody is given them meanwhile) and lower their refcounts under it;
/// * allocating writes, write-zeroes and discards touching fenced clusters wait for the fence;
///   reads of them see the old contents, in-place writes to the already allocated clusters of a
///   fenced range go ahead (requests in flight together have no order), and
/// * flush `fsync`s without the lock, and
/// * close waits for every write, punch and flush running without the lock.
public final class Qcow2Node implements BlockNode {
    /// Block status looks at most at this many clusters per call (32 GiB with 64 KiB clusters).
    private static final long STATUS_MAX_CLUSTERS = 1 << 19;

    private final HostFile host;
    private final Qcow2Header header;
    private final ClusterMap map;
    /// Null when read-only, like `writer` and `zeroer`.
    private final Refcounts refcounts;
    private final ClusterWriter writer;
    private final ClusterZeroer zeroer;
    /// The backing node, or null; opened and closed with this node.
    private final BlockNode backing;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /// Signalled (under the write lock) when a fence goes or a punch or flush ends.
    private final Condition unfenced = lock.writeLock().newCondition();
    /// Guest byte ranges `{start, end}` (whole clusters) of allocating writes now writing data
    /// without the lock. Guarded by the write lock.
    private final List<long[]> fences = new ArrayList<>();
    /// Punches running without the lock. Guarded by the write lock.
    private int unlocked;
    /// Flushes running (without the lock); taken under the read lock, so [#close()] (which sets
    /// [#closed] under the write lock first) sees every flush that got past its check.
    private final AtomicInteger flushing = new AtomicInteger();
    /// Set once, under the write lock, by close.
    private volatile boolean closed;

    private Qcow2Node(HostFile host, Qcow2Header header, ClusterMap map, Refcounts refcounts, BlockNode backing) {
        this.host = host;
        this.header = header;
        this.map = map;
        this.refcounts = refcounts;
        this.backing = backing;
        if (refcounts != null) {
            this.writer = new ClusterWriter(host, map, refcounts, backing, header.clusterBits());
            this.zeroer = new ClusterZeroer(map, refcounts, writer, backing != null, header.clusterBits());
        } else {
            this.writer = null;
            this.zeroer = null;
        }
    }

    /// Creates a new image file (which must not exist) and opens it writable. With a backing file,
    /// the backing file must exist and be readable in the given format.
    public static Qcow2Node create(Path file, Qcow2Options options) throws IOException {
        return create(file, options, null);
    }

    /// [#create(Path, Qcow2Options)] with a chosen metadata cache size (null: the default for the
    /// image's cluster size, [Qcow2CacheSize#forClusterSize]).
    public static Qcow2Node create(Path file, Qcow2Options options, Qcow2CacheSize cache) throws IOException {
        Qcow2Creator.create(file, options, cache);
        return open(file, true, cache);
    }

    /// Opens an existing image (and its backing chain, read-only).
    public static Qcow2Node open(Path file, boolean writable) throws IOException {
        return open(file, writable, null);
    }

    /// [#open(Path, boolean)] with a chosen metadata cache size (null: the default for the image's
    /// cluster size, [Qcow2CacheSize#forClusterSize]).
    public static Qcow2Node open(Path file, boolean writable, Qcow2CacheSize cache) throws IOException {
        return open(file, writable, cache, 0);
    }

    static Qcow2Node open(Path file, boolean writable, Qcow2CacheSize cache, int depth) throws IOException {
        return open(ChannelHostFile.open(file, writable), writable, cache, depth);
    }

    /// Opens the image in `host` (which the node then owns and closes, also on failure).
    static Qcow2Node open(HostFile host, boolean writable, Qcow2CacheSize cache, int depth) throws IOException {
        BlockNode backing = null;
        try {
            Qcow2Header h = HeaderParser.parse(host);
            if (writable) {
                checkWritable(host.path(), h);
            }
            Qcow2CacheSize tables = cache != null ? cache : Qcow2CacheSize.forClusterSize(h.clusterSize());
            ClusterMap map = ClusterMap.load(host, h, tables.l2Tables());
            Refcounts rc = writable ? Refcounts.load(host, h, tables.refcountBlocks()) : null;
            if (rc != null) {
                rc.checkInUse(0, h.clusterSize(), "the header");
                rc.checkInUse(h.refcountTableOffset(), h.refcountTableClusters() << h.clusterBits(), "the refcount table");
                rc.checkInUse(h.l1TableOffset(), h.l1Size() * 8, "the L1 table");
            }
            if (h.hasBacking()) {
                backing = BackingChain.open(host.path(), h, cache, depth);
            }
            if (writable && h.autoclearFeatures() != 0) {
                // the spec: a writer that does not maintain an auto-clear feature clears its bit first
                host.write(Qcow2Header.OFF_AUTOCLEAR, ByteBuffer.allocate(8));
            }
            return new Qcow2Node(host, h, map, rc, backing);
        } catch (IOException | RuntimeException e) {
            Closer.closeAfter(e, backing, host);
            throw e;
        }
    }

    private static void checkWritable(Path file, Qcow2Header h) throws Qcow2FormatException {
        if (h.version() == 2) {
            throw new Qcow2FormatException(file, "is a version 2 (compat=0.10) image, which Shear opens read-only; "
                    + "upgrade it with 'qemu-img amend -o compat=1.1'");
        }
        if ((h.autoclearFeatures() & Qcow2Header.AUTOCLEAR_BITMAPS) != 0) {
            throw new Qcow2FormatException(file, "has persistent dirty bitmaps (autoclear feature 'bitmaps'), which "
                    + "Shear does not keep up to date, so it opens the image read-only rather than invalidate them; "
                    + "remove them with 'qemu-img bitmap --remove' to write to it");
        }
        if (h.nbSnapshots() > 0) {
            throw new Qcow2FormatException(file, "has " + h.nbSnapshots() + " internal snapshot(s) (header field "
                    + "nb_snapshots), so Shear opens it read-only");
        }
    }

    /// The image file.
    public Path file() {
        return host.path();
    }

    @Override
    public long size() {
        return header.size();
    }

    @Override
    public int clusterSize() {
        return header.clusterSize();
    }

    @Override
    public boolean hasBacking() {
        return backing != null;
    }

    @Override
    public String describe() {
        return "qcow2 image " + host.path();
    }

    /// L2 tables in the cache now (at most the configured [Qcow2CacheSize#l2Tables]).
    int cachedL2Tables() {
        return map.cache().size();
    }

    private void ensureWritable() throws IOException {
        if (refcounts == null) {
            throw new IOException(describe() + " is open read-only");
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        lock.readLock().lock();
        try {
            Requests.checkOpen(closed, this);
            long end = offset + dst.remaining();
            for (long pos = offset; pos < end; ) {
                Extent e = map.extent(pos, end, backing != null, true);
                ByteBuffer part = dst.slice(dst.position(), (int) e.length());
                switch (e.state()) {
                    case DATA -> host.read(e.hostOffset(), part);
                    case ZERO -> fillZeroes(part);
                    case UNALLOCATED -> readBacking(pos, part);
                }
                dst.position(dst.position() + (int) e.length());
                pos = e.end();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void fillZeroes(ByteBuffer part) {
        while (part.hasRemaining()) {
            part.put((byte) 0);
        }
    }

    private void readBacking(long pos, ByteBuffer part) throws IOException {
        long inBacking = Math.max(0, Math.min(part.remaining(), backing.size() - pos));
        if (inBacking > 0) {
            backing.read(pos, part.slice(part.position(), (int) inBacking));
            part.position(part.position() + (int) inBacking);
        }
        fillZeroes(part);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, src.remaining());
        ensureWritable();
        if (!src.hasRemaining()) {
            return;
        }
        boolean done;
        lock.readLock().lock();
        try {
            Requests.checkOpen(closed, this);
            done = writer.tryWriteInPlace(offset, src);
        } finally {
            lock.readLock().unlock();
        }
        if (!done) {
            writeAllocating(offset, src);
        }
        if (fua) {
            flush();
        }
    }

    /// The three steps of [ClusterWriter], the data written without the lock.
    private void writeAllocating(long offset, ByteBuffer src) throws IOException {
        long[] fence = clusterRange(offset, src.remaining());
        ClusterWriter.Allocation a;
        lock.writeLock().lock();
        try {
            awaitUnfenced(fence);
            a = writer.prepare(offset, src.remaining());
            fences.add(fence);
        } finally {
            lock.writeLock().unlock();
        }
        Throwable failed = null;
        try {
            writer.writeData(a, src);
        } catch (IOException | RuntimeException | Error e) {
            failed = e;                 // an Error too: a fence left behind would hang every later request
        }
        lock.writeLock().lock();
        try {
            fences.remove(fence);
            unfenced.signalAll();
            if (failed == null) {
                writer.commit(a);
            } else {
                writer.abort(a, failed);
            }
        } finally {
            lock.writeLock().unlock();
        }
        rethrow(failed);
    }

    private static Throwable chain(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private static void rethrow(Throwable t) throws IOException {
        switch (t) {
            case null -> { }
            case IOException io -> throw io;
            case RuntimeException re -> throw re;
            case Error e -> throw e;
            default -> throw new IOException(t);
        }
    }

    /// `[offset, offset+length)` widened to whole clusters, as `{start, end}`.
    private long[] clusterRange(long offset, long length) {
        long cs = header.clusterSize();
        return new long[] {offset & -cs, (offset + length + cs - 1) & -cs};
    }

    /// Waits (with the write lock held, which the wait gives up meanwhile) until no fence overlaps
    /// `range`; then checks that the node is still open (close may have come meanwhile).
    private void awaitUnfenced(long[] range) throws IOException {
        Requests.checkOpen(closed, this);
        while (fences.stream().anyMatch(f -> f[0] < range[1] && range[0] < f[1])) {
            unfenced.awaitUninterruptibly();
        }
        Requests.checkOpen(closed, this);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        change(offset, length, mayUnmap ? ClusterZeroer.Mode.ZERO_UNMAP : ClusterZeroer.Mode.ZERO_KEEP);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        change(offset, length, ClusterZeroer.Mode.DISCARD);
    }

    private void change(long offset, long length, ClusterZeroer.Mode mode) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        ensureWritable();
        if (length == 0) {
            return;
        }
        List<HostRun> dropped = new ArrayList<>();
        Throwable failed = null;
        lock.writeLock().lock();
        try {
            awaitUnfenced(clusterRange(offset, length));
            zeroer.apply(offset, length, mode, dropped);
        } catch (IOException | RuntimeException | Error e) {
            failed = e;                 // clusters dropped before the failure are still freed below
        } finally {
            if (!dropped.isEmpty()) {
                unlocked++;
            }
            lock.writeLock().unlock();
        }
        if (!dropped.isEmpty()) {
            try {
                refcounts.punch(dropped);
            } catch (IOException | RuntimeException | Error e) {
                failed = chain(failed, e);
            } finally {
                lock.writeLock().lock();
                try {
                    unlocked--;
                    unfenced.signalAll();
                    refcounts.release(dropped);
                } catch (IOException | RuntimeException | Error e) {
                    failed = chain(failed, e);
                } finally {
                    lock.writeLock().unlock();
                }
            }
        }
        rethrow(failed);
    }

    @Override
    public void startWriteback() throws IOException {
        Requests.checkOpen(closed, this);
        if (refcounts != null) {                 // writable
            host.startWriteback();
        }
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
        if (refcounts == null) {
            return;
        }
        // counted under the read lock: a flush must not wait for reads and in-place writes in
        // flight (as the write lock would) nor hold up new ones while it waits
        lock.readLock().lock();
        try {
            Requests.checkOpen(closed, this);
            flushing.incrementAndGet();
        } finally {
            lock.readLock().unlock();
        }
        try {
            host.force();
        } finally {
            if (flushing.decrementAndGet() == 0 && closed) {
                lock.writeLock().lock();                // close() waits for the last flush
                try {
                    unfenced.signalAll();
                } finally {
                    lock.writeLock().unlock();
                }
            }
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        BlockStatus empty = Requests.checkStatusRequest(closed, this, offset, length);
        if (empty != null) {
            return empty;
        }
        lock.readLock().lock();
        try {
            Requests.checkOpen(closed, this);
            long cap = STATUS_MAX_CLUSTERS << header.clusterBits();
            long end = offset + Math.min(length, cap);
            Extent e = map.extent(offset, end, backing != null, false);
            return new BlockStatus(e.state(), offset, e.length());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public long allocatedBytes() throws IOException {
        Requests.checkOpen(closed, this);
        return host.allocatedBytes();
    }

    /// Flushes (when writable) and closes the file and the backing chain; idempotent.
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            while (!fences.isEmpty() || unlocked > 0 || flushing.get() > 0) {
                unfenced.awaitUninterruptibly();     // writes, punches and flushes running without the lock end first
            }
            IOException failure = null;
            if (refcounts != null) {
                try {
                    host.force();
                } catch (IOException e) {
                    failure = e;
                }
            }
            failure = Closer.closeAll(failure, host, backing);
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
