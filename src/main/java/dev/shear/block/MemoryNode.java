package dev.shear.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/// A sparse in-memory node: a real [BlockNode] used by tests as the double and by the engine for
/// scratch space. Memory is held in chunks of [#clusterSize()] bytes, allocated on first write of
/// non-zero data and dropped by discard or write-zeroes that cover a whole chunk, so
/// [#allocatedBytes()] behaves like a thin-provisioned image.
///
/// Each chunk has its own lock (striped), so requests are atomic per chunk.
public final class MemoryNode implements BlockNode {
    private static final int STRIPES = 64;

    private final long size;
    private final int chunk;
    private final String name;
    /// chunk index → contents; absent means zeroes. Entries are mutated only under the stripe lock.
    private final ConcurrentHashMap<Long, byte[]> chunks = new ConcurrentHashMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private volatile boolean closed;

    /// A node of `size` bytes whose allocation granularity is `clusterSize` (a power of two).
    public MemoryNode(String name, long size, int clusterSize) {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        if (clusterSize < 512 || Integer.bitCount(clusterSize) != 1) {
            throw new IllegalArgumentException("cluster size must be a power of two ≥ 512: " + clusterSize);
        }
        this.size = size;
        this.chunk = clusterSize;
        this.name = name;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /// A node of `size` bytes with 64 KiB chunks.
    public MemoryNode(long size) {
        this("memory", size, 64 * 1024);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return chunk;
    }

    @Override
    public String describe() {
        return "memory node '" + name + "'";
    }

    private ReentrantLock lockFor(long index) {
        return stripes[(int) Math.floorMod(index * 0x9E3779B97F4A7C15L >>> 40, STRIPES)];
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            long index = pos / chunk;
            int within = (int) (pos % chunk);
            int n = Math.min(dst.remaining(), chunk - within);
            ReentrantLock lock = lockFor(index);
            lock.lock();
            try {
                byte[] c = chunks.get(index);
                if (c == null) {
                    for (int i = 0; i < n; i++) {
                        dst.put((byte) 0);
                    }
                } else {
                    dst.put(c, within, n);
                }
            } finally {
                lock.unlock();
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, src.remaining());
        long pos = offset;
        while (src.hasRemaining()) {
            long index = pos / chunk;
            int within = (int) (pos % chunk);
            int n = Math.min(src.remaining(), chunk - within);
            ReentrantLock lock = lockFor(index);
            lock.lock();
            try {
                byte[] c = chunks.get(index);
                if (c == null) {
                    if (isZero(src, n)) {
                        src.position(src.position() + n);
                        pos += n;
                        continue;
                    }
                    c = new byte[chunk];
                    chunks.put(index, c);
                }
                src.get(c, within, n);
            } finally {
                lock.unlock();
            }
            pos += n;
        }
    }

    private static boolean isZero(ByteBuffer src, int n) {
        int p = src.position();
        for (int i = 0; i < n; i++) {
            if (src.get(p + i) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        clear(offset, length);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        clear(offset, length);
    }

    /// Zeroes the range, dropping every chunk it covers whole (memory is always thin).
    private void clear(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long index = pos / chunk;
            int within = (int) (pos % chunk);
            int n = (int) Math.min(end - pos, chunk - within);
            ReentrantLock lock = lockFor(index);
            lock.lock();
            try {
                byte[] c = chunks.get(index);
                if (c != null) {
                    boolean wholeChunk = n == chunk || (within == 0 && pos + n == size);
                    if (wholeChunk) {
                        chunks.remove(index);
                    } else {
                        java.util.Arrays.fill(c, within, within + n, (byte) 0);
                    }
                }
            } finally {
                lock.unlock();
            }
            pos += n;
        }
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        BlockStatus empty = Requests.checkStatusRequest(closed, this, offset, length);
        if (empty != null) {
            return empty;
        }
        long end = offset + length;
        boolean data = chunks.containsKey(offset / chunk);
        long pos = (offset / chunk + 1) * chunk;
        while (pos < end && chunks.containsKey(pos / chunk) == data) {
            pos += chunk;
        }
        return new BlockStatus(data ? BlockStatus.State.DATA : BlockStatus.State.ZERO, offset,
                Math.min(pos, end) - offset);
    }

    @Override
    public long allocatedBytes() {
        return (long) chunks.size() * chunk;
    }

    @Override
    public void close() {
        closed = true;
    }
}
