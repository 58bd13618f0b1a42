package dev.shear.copy;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/// Moves the bytes of cluster-aligned ranges from a source node to a target node, for [BlockCopy]
/// (which decides *what* to copy and when; this only does the I/O):
/// * zero runs of the source (from block status, whole clusters) become zero writes with unmap
///   allowed, so a sparse source gives a sparse target; with `skipUnallocated` (`sync=top`)
///   clusters the source's top layer does not hold are not written at all;
/// * data goes in pieces of at most [BlockCopy#MAX_BUFFER] through pooled direct buffers, and the
///   buffers in flight never exceed the memory budget.
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
    private final ConcurrentLinkedDeque<ByteBuffer> buffers = new ConcurrentLinkedDeque<>();
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
        long moved = 0;
        long pos = start;
        while (pos < end) {
            BlockStatus s = source.blockStatus(pos, end - pos);
            boolean unallocated = s.state() == BlockStatus.State.UNALLOCATED;
            if (s.state() == BlockStatus.State.ZERO || (unallocated && skipUnallocated)) {
                long zeroEnd = s.end() >= end ? end : alignDown(s.end());
                if (zeroEnd > pos) {
                    if (!unallocated) {
                        target.writeZeroes(pos, zeroEnd - pos, true);
                    }
                    pos = zeroEnd;
                    continue;
                }
            }
            long dataEnd = Math.min(end, alignUp(s.end()));
            copyData(pos, dataEnd);
            moved += dataEnd - pos;
            pos = dataEnd;
        }
        return moved;
    }

    private void copyData(long start, long end) throws IOException, InterruptedException {
        long pos = start;
        while (pos < end) {
            int n = (int) Math.min(BlockCopy.MAX_BUFFER, end - pos);
            int permits = Math.min(memoryPermits, (n + 1023) / 1024);
            memory.acquire(permits);
            ByteBuffer buf = takeBuffer();
            try {
                buf.clear().limit(n);
                source.read(pos, buf);
                buf.flip();
                target.write(pos, buf, false);
            } finally {
                buffers.push(buf);
                memory.release(permits);
            }
            bytesCopiedAsData.addAndGet(n);
            pos += n;
        }
    }

    private ByteBuffer takeBuffer() {
        ByteBuffer b = buffers.poll();
        return b != null ? b : ByteBuffer.allocateDirect(BlockCopy.MAX_BUFFER + 4096).alignedSlice(4096);
    }
}
