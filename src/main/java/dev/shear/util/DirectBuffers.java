package dev.shear.util;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/// Direct, page-aligned I/O buffers shared by every copy and bounce in the process, in three sizes:
/// 4 KiB, 64 KiB and 1 MiB.
///
/// A fresh direct buffer costs a `memset` of its whole size and a page fault per page. Before this
/// pool, a copy-before-write of one 4 KiB cluster took a 1 MiB buffer of its backup's own, and a
/// guest write carried out by write-behind bounced through a 1 MiB buffer of which each file kept
/// eight: the ninth concurrent writer allocated and zeroed a new MiB for its 4 KiB.
///
/// * [#take] gives the smallest size that holds the bytes asked for, with its limit set to them.
///   The 64 KiB and 1 MiB buffers start on a 64 KiB boundary, so a file opened with `O_DIRECT` on
///   a device with blocks of up to 64 KiB bounces through pooled buffers too (a request for such
///   an alignment gets at least 64 KiB).
/// * [#give] keeps a buffer for the next taker up to a cap per size (1, 4 and 32 MiB of each);
///   beyond it the buffer is left to the garbage collector. It keeps only writable, direct
///   buffers of one of the sizes with the size's alignment; callers give back exactly what they
///   took, once, and stop using it.
/// * A 4 KiB buffer takes 8 KiB of memory (the allocation is padded for its alignment).
///
/// Thread-safe; buffers carry no data from one user to the next that a caller may rely on.
public final class DirectBuffers {
    /// The largest buffer [#take] gives.
    public static final int MAX = 1 << 20;
    private static final int PAGE = 4096;
    /// The alignment of the 64 KiB and 1 MiB buffers.
    private static final int WIDE = 64 * 1024;
    private static final int[] SIZES = {PAGE, 64 * 1024, MAX};
    private static final int[] KEEP = {256, 64, 32};
    @SuppressWarnings("unchecked")
    private static final ConcurrentLinkedDeque<ByteBuffer>[] SPARE = new ConcurrentLinkedDeque[SIZES.length];
    private static final AtomicInteger[] SPARE_COUNT = new AtomicInteger[SIZES.length];
    private static final LongAdder ALLOCATED = new LongAdder();

    static {
        for (int i = 0; i < SIZES.length; i++) {
            SPARE[i] = new ConcurrentLinkedDeque<>();
            SPARE_COUNT[i] = new AtomicInteger();
        }
    }

    private DirectBuffers() {
    }

    /// A direct buffer with position 0 and limit `bytes` (1 to [#MAX]) whose start is aligned to
    /// `alignment` (a power of two); its capacity is the size class that holds `bytes`.
    public static ByteBuffer take(int bytes, int alignment) {
        int fits = sizeClass(bytes);
        if (Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two, not " + alignment);
        }
        if (alignment > WIDE) {
            return allocate(SIZES[fits], alignment).limit(bytes);
        }
        int c = alignment > PAGE ? Math.max(fits, sizeClass(WIDE)) : fits;
        ByteBuffer b = SPARE[c].pollFirst();
        if (b == null) {
            return allocate(SIZES[c], alignmentOf(c)).limit(bytes);
        }
        SPARE_COUNT[c].decrementAndGet();
        return b.clear().limit(bytes);
    }

    /// Returns a buffer from [#take] for reuse; the caller must not touch it afterwards.
    public static void give(ByteBuffer b) {
        int c = exactClass(b.capacity());
        if (c < 0 || !b.isDirect() || b.isReadOnly() || b.alignmentOffset(0, alignmentOf(c)) != 0) {
            return;
        }
        if (SPARE_COUNT[c].incrementAndGet() <= KEEP[c]) {
            SPARE[c].addFirst(b);
        } else {
            SPARE_COUNT[c].decrementAndGet();
        }
    }

    /// The bytes of the buffer [#take] gives for a request of `bytes` (1 to [#MAX]) at an
    /// alignment of at most a page: what a caller holds, for its memory budget.
    public static int sizeFor(int bytes) {
        return SIZES[sizeClass(bytes)];
    }

    /// Bytes of direct buffers this pool has allocated in this process (tests, diagnostics).
    public static long allocatedBytes() {
        return ALLOCATED.sum();
    }

    /// Buffers of `size` bytes kept for reuse now (tests).
    static int spare(int size) {
        int c = exactClass(size);
        return c < 0 ? 0 : SPARE_COUNT[c].get();
    }

    /// The smallest size that holds `bytes`; refuses what no size holds.
    private static int sizeClass(int bytes) {
        if (bytes < 1 || bytes > MAX) {
            throw new IllegalArgumentException("a direct buffer holds 1 to " + MAX + " bytes, not " + bytes);
        }
        int c = 0;
        while (SIZES[c] < bytes) {
            c++;
        }
        return c;
    }

    private static int alignmentOf(int sizeClass) {
        return SIZES[sizeClass] >= WIDE ? WIDE : PAGE;
    }

    private static int exactClass(int capacity) {
        for (int c = 0; c < SIZES.length; c++) {
            if (SIZES[c] == capacity) {
                return c;
            }
        }
        return -1;
    }

    private static ByteBuffer allocate(int size, int alignment) {
        ALLOCATED.add(size);
        ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
        int off = raw.alignmentOffset(0, alignment);
        return raw.slice(off == 0 ? 0 : alignment - off, size);
    }
}
