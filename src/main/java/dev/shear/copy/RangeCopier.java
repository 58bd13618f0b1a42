package dev.shear.copy;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.util.DirectBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/// Moves the bytes of cluster-aligned ranges from a source node to a target node, for [BlockCopy]
/// (which decides *what* to copy and when; this only does the I/O):
/// * zero runs of the source (from block status, whole clusters) become zero writes with unmap
///   allowed, so a sparse source gives a sparse target; with `skipUnallocated` (`sync=top`)
///   clusters the source's top layer does not hold are not written at all;
/// * consecutive data runs are moved together, so a source whose status is finely split (a
///   snapshot view) still gets few, large writes to the target;
/// * a single cluster (copy-before-write's usual case) is read without asking for block status and
///   written as zeroes when it reads as zeroes: same result, two system calls fewer;
/// * data goes in pieces of at most [BlockCopy#MAX_BUFFER] through the process's pooled direct
///   buffers ([DirectBuffers]), the smallest that holds the piece (a 4 KiB copy-before-write takes
///   4 KiB, not a MiB), and the bytes in flight never exceed the memory budget.
///
/// Thread-safe: many copy tasks use one copier at once.
final class RangeCopier {
    private final BlockNode source;
    private final BlockNode target;
    private final long length;
    private final int clusterSize;
    private final boolean skipUnallocated;
    /// Memory budget in KiB permits.
    private final Semaphore memory;
    private final int memoryPermits;
    private final AtomicLong bytesCopiedAsData = new AtomicLong();

    RangeCopier(BlockNode source, BlockNode target, int clusterSize, boolean skipUnallocated, long memoryBudget) {
        this.source = source;
        this.target = target;
        this.length = source.size();
        this.clusterSize = clusterSize;
        this.skipUnallocated = skipUnallocated;
        this.memoryPermits = (int) Math.max(1, Math.min(Integer.MAX_VALUE, memoryBudget / 1024));
        this.memory = new Semaphore(memoryPermits);
    }

    long alignDown(long v) {
        return v / clusterSize * clusterSize;
    }

    long alignUp(long v) {
        return Math.min(length, (v + clusterSize - 1) / clusterSize * clusterSize);
    }

    /// Bytes moved as data so far (zero runs not counted), by every task.
    long bytesCopiedAsData() {
        return bytesCopiedAsData.get();
    }

    /// Copies `[start, end)` (cluster-aligned); returns the bytes it moved as data.
    long copy(long start, long end) throws IOException, InterruptedException {
        if (end - start <= clusterSize && end - start <= BlockCopy.MAX_BUFFER && !skipUnallocated) {
            return copyCluster(start, end);
        }
        long moved = 0;
        long pos = start;
        BlockStatus s = source.blockStatus(pos, end - pos);
        while (pos < end) {
            long zeroEnd = zeroRunEnd(s, end);
            if (zeroEnd > pos) {
                if (s.state() != BlockStatus.State.UNALLOCATED) {
                    target.writeZeroes(pos, zeroEnd - pos, true);
                }
                pos = zeroEnd;
                s = pos < end ? source.blockStatus(pos, end - pos) : null;
                continue;
            }
            // Data: take in every following run that is data too, so the target gets one write per
            // buffer however finely the source's status is split (a snapshot view alternates between
            // the fleecing image and the live disk at every cluster copied before a guest write).
            long dataEnd;
            do {
                dataEnd = Math.min(end, alignUp(s.end()));
                s = dataEnd < end ? source.blockStatus(dataEnd, end - dataEnd) : null;
            } while (s != null && zeroRunEnd(s, end) == dataEnd);
            copyData(pos, dataEnd);
            moved += dataEnd - pos;
            pos = dataEnd;
        }
        return moved;
    }

    /// Where the whole clusters of zeroes (or, for `sync=top`, of what the top layer does not hold)
    /// that run `s` starts with end; `s.offset()` (cluster-aligned) when it starts with none.
    private long zeroRunEnd(BlockStatus s, long end) {
        if (!isZeroRun(s)) {
            return s.offset();
        }
        return s.end() >= end ? end : Math.max(s.offset(), alignDown(s.end()));
    }

    /// A run that is not copied as data: zeroes, or (`sync=top`) not held by the source's top layer.
    private boolean isZeroRun(BlockStatus s) {
        return s.state() == BlockStatus.State.ZERO
                || (s.state() == BlockStatus.State.UNALLOCATED && skipUnallocated);
    }

    /// One cluster (what copy-before-write copies for a guest's small write): read it without
    /// asking for block status first (two `lseek`s that cost as much as the read of a cached
    /// block), and write zeroes instead if it reads as zeroes, so the target stays sparse.
    private long copyCluster(long start, long end) throws IOException, InterruptedException {
        return move(start, (int) (end - start), true);
    }

    private void copyData(long start, long end) throws IOException, InterruptedException {
        for (long pos = start; pos < end; ) {
            int n = (int) Math.min(BlockCopy.MAX_BUFFER, end - pos);
            move(pos, n, false);
            pos += n;
        }
    }

    /// Reads `n` ≤ [BlockCopy#MAX_BUFFER] bytes at `pos` and writes them to the target (as zeroes
    /// when `detectZeroes` and they are all zero); returns the bytes moved as data.
    private long move(long pos, int n, boolean detectZeroes) throws IOException, InterruptedException {
        if (n == 0) {
            return 0;                                   // nothing to move (and no empty buffer to take)
        }
        int permits = Math.min(memoryPermits, DirectBuffers.sizeFor(n) / 1024);    // what the buffer holds
        memory.acquire(permits);
        ByteBuffer buf = DirectBuffers.take(n, 1);
        try {
            source.read(pos, buf);
            buf.flip();
            if (detectZeroes && isZero(buf)) {
                target.writeZeroes(pos, n, true);
                return 0;
            }
            target.write(pos, buf, false);
        } finally {
            DirectBuffers.give(buf);
            memory.release(permits);
        }
        bytesCopiedAsData.addAndGet(n);
        return n;
    }

    private static boolean isZero(ByteBuffer b) {
        int i = b.position();
        int end = b.limit();
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (b.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
