package dev.shear.bitmap;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/// A bitmap with one bit per cluster of a device, used by the guest-write path and many copy
/// workers at once (QEMU's `BdrvDirtyBitmap` over an `HBitmap`).
///
/// Byte-range operations follow QEMU's rules: [#set] rounds outward to whole clusters; [#reset]
/// needs a cluster-aligned start and a cluster-aligned length unless the range reaches the end of
/// the device (the last cluster may be short).
///
/// Thread safety: each 64-bit word is updated with compare-and-set, so concurrent set/reset of
/// any ranges never lose a bit; a range operation is atomic per word, not as a whole. Callers that
/// need a range to change atomically (block-copy's claim) hold their own lock around it. The
/// [#count()] is exact at quiescent points. Memory: one bit per cluster (2 MiB per TiB at
/// 64 KiB clusters).
public final class ClusterBitmap {
    private final long length;
    private final int granularity;
    private final int shift;
    private final long clusters;
    private final AtomicLongArray words;
    /// Number of set bits; updated with every word change.
    private final AtomicLong count = new AtomicLong();

    /// A clear bitmap for a device of `length` bytes with clusters of `granularity` bytes
    /// (a power of two ≥ 512).
    public ClusterBitmap(long length, int granularity) {
        if (length < 0) {
            throw new IllegalArgumentException("bitmap length must not be negative: " + length);
        }
        if (granularity < 512 || Integer.bitCount(granularity) != 1) {
            throw new IllegalArgumentException("bitmap granularity must be a power of two of at least 512 bytes, not "
                    + granularity);
        }
        this.length = length;
        this.granularity = granularity;
        this.shift = Integer.numberOfTrailingZeros(granularity);
        this.clusters = (length + granularity - 1) >>> shift;
        long nwords = (clusters + 63) >>> 6;
        if (nwords > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bitmap too large: " + clusters + " clusters");
        }
        this.words = new AtomicLongArray((int) nwords);
    }

    /// Bytes of the device this bitmap covers.
    public long length() {
        return length;
    }

    /// Bytes per bit.
    public int granularity() {
        return granularity;
    }

    /// Number of bits (clusters), the last one possibly covering a short cluster.
    public long clusters() {
        return clusters;
    }

    /// Number of set bits.
    public long count() {
        return count.get();
    }

    /// Bytes of the device covered by set bits (the last cluster counted by its real length).
    public long dirtyBytes() {
        long c = count();
        if (c == 0) {
            return 0;
        }
        long bytes = c << shift;
        if (get(clusters - 1)) {
            bytes -= (clusters << shift) - length;
        }
        return bytes;
    }

    /// True when cluster `index` is set.
    public boolean get(long index) {
        checkIndex(index);
        return (words.get((int) (index >>> 6)) & (1L << index)) != 0;
    }

    /// True when the cluster containing byte `offset` is set.
    public boolean isSetAt(long offset) {
        return get(clusterOf(offset));
    }

    /// The cluster index containing byte `offset`.
    public long clusterOf(long offset) {
        if (offset < 0 || offset >= length) {
            throw new IllegalArgumentException("offset " + offset + " outside bitmap of " + length + " bytes");
        }
        return offset >>> shift;
    }

    /// Sets the bits of every cluster touched by `[offset, offset+bytes)` (rounds outward).
    public void set(long offset, long bytes) {
        checkRange(offset, bytes);
        if (bytes == 0) {
            return;
        }
        setBits(offset >>> shift, ((offset + bytes - 1) >>> shift) + 1);
    }

    /// Clears the bits of `[offset, offset+bytes)`, which must be cluster-aligned (the end may
    /// instead be the device's end).
    public void reset(long offset, long bytes) {
        checkRange(offset, bytes);
        long end = offset + bytes;
        if ((offset & (granularity - 1)) != 0 || ((end & (granularity - 1)) != 0 && end != length)) {
            throw new IllegalArgumentException("reset of " + offset + "+" + bytes + " is not aligned to the bitmap's "
                    + granularity + "-byte clusters");
        }
        if (bytes == 0) {
            return;
        }
        clearBits(offset >>> shift, ((end - 1) >>> shift) + 1);
    }

    /// Sets every bit.
    public void setAll() {
        if (clusters > 0) {
            setBits(0, clusters);
        }
    }

    /// Clears every bit.
    public void clear() {
        if (clusters > 0) {
            clearBits(0, clusters);
        }
    }

    /// Sets bits `[from, to)` (cluster indices).
    public void setBits(long from, long to) {
        update(from, to, true);
    }

    /// Clears bits `[from, to)` (cluster indices).
    public void clearBits(long from, long to) {
        update(from, to, false);
    }

    private void update(long from, long to, boolean value) {
        if (from < 0 || to > clusters || from > to) {
            throw new IllegalArgumentException("bits " + from + ".." + to + " outside bitmap of " + clusters);
        }
        long i = from;
        while (i < to) {
            int w = (int) (i >>> 6);
            int lo = (int) (i & 63);
            int hi = (int) Math.min(64, lo + (to - i));
            long mask = (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
            long old;
            long neu;
            do {
                old = words.get(w);
                neu = value ? old | mask : old & ~mask;
            } while (old != neu && !words.compareAndSet(w, old, neu));
            int delta = Long.bitCount(neu) - Long.bitCount(old);
            if (delta != 0) {
                count.addAndGet(delta);
            }
            i += hi - lo;
        }
    }

    /// The first set cluster index ≥ `from` and < `to`, or -1.
    public long nextSetBit(long from, long to) {
        return next(from, to, false);
    }

    /// The first clear cluster index ≥ `from` and < `to`, or -1.
    public long nextClearBit(long from, long to) {
        return next(from, to, true);
    }

    private long next(long from, long to, boolean clearWanted) {
        to = Math.min(to, clusters);
        if (from < 0) {
            throw new IllegalArgumentException("negative bit index " + from);
        }
        long i = from;
        while (i < to) {
            int w = (int) (i >>> 6);
            long word = words.get(w);
            if (clearWanted) {
                word = ~word;
            }
            word &= -1L << (i & 63);
            if (word != 0) {
                long found = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return found < to ? found : -1;
            }
            i = ((long) w + 1) << 6;
        }
        return -1;
    }

    /// The byte offset of the first set cluster at or after byte `offset`, or -1.
    public long nextSet(long offset) {
        if (offset >= length) {
            return -1;
        }
        long c = nextSetBit(offset >>> shift, clusters);
        return c < 0 ? -1 : Math.max(offset, c << shift);
    }

    /// The byte offset of the first clear cluster at or after byte `offset`, or -1.
    public long nextClear(long offset) {
        if (offset >= length) {
            return -1;
        }
        long c = nextClearBit(offset >>> shift, clusters);
        return c < 0 ? -1 : Math.max(offset, c << shift);
    }

    /// The first dirty area within `[offset, end)`: the set run starting at the first set cluster,
    /// at most `maxBytes` long, clipped to `end`; null when there is none (QEMU's
    /// `bdrv_dirty_bitmap_next_dirty_area`). The result is cluster-aligned except at the device end.
    public Range nextDirtyArea(long offset, long end, long maxBytes) {
        end = Math.min(end, length);
        if (offset >= end) {
            return null;
        }
        long first = nextSetBit(offset >>> shift, ((end - 1) >>> shift) + 1);
        if (first < 0) {
            return null;
        }
        long start = first << shift;
        long limitClusters = Math.max(1, maxBytes >>> shift);
        long stopBit = Math.min(((end - 1) >>> shift) + 1, first + limitClusters);
        long clear = nextClearBit(first, stopBit);
        long stop = (clear < 0 ? stopBit : clear) << shift;
        return new Range(start, Math.min(stop, length) - start);
    }

    /// True when every cluster touched by `[offset, offset+bytes)` is set.
    public boolean allSet(long offset, long bytes) {
        checkRange(offset, bytes);
        if (bytes == 0) {
            return true;
        }
        long from = offset >>> shift;
        long to = ((offset + bytes - 1) >>> shift) + 1;
        return nextClearBit(from, to) < 0;
    }

    /// True when no cluster touched by `[offset, offset+bytes)` is set.
    public boolean noneSet(long offset, long bytes) {
        checkRange(offset, bytes);
        if (bytes == 0) {
            return true;
        }
        long from = offset >>> shift;
        long to = ((offset + bytes - 1) >>> shift) + 1;
        return nextSetBit(from, to) < 0;
    }

    /// Sets every bit that is set in `other` (ORs it in). Bitmaps of another granularity are
    /// converted, rounding outward; both must cover the same length.
    public void merge(ClusterBitmap other) {
        if (other.length != length) {
            throw new IllegalArgumentException("cannot merge a bitmap of " + other.length + " bytes into one of "
                    + length + " bytes");
        }
        if (other.granularity == granularity) {
            for (int w = 0; w < other.words.length(); w++) {
                long bits = other.words.get(w);
                if (bits != 0) {
                    orWord(w, bits);
                }
            }
            return;
        }
        long i = other.nextSetBit(0, other.clusters);
        while (i >= 0) {
            long stop = other.nextClearBit(i, other.clusters);
            if (stop < 0) {
                stop = other.clusters;
            }
            long off = i << other.shift;
            set(off, Math.min(stop << other.shift, length) - off);
            i = other.nextSetBit(stop, other.clusters);
        }
    }

    private void orWord(int w, long bits) {
        long old;
        long neu;
        do {
            old = words.get(w);
            neu = old | bits;
        } while (old != neu && !words.compareAndSet(w, old, neu));
        int delta = Long.bitCount(neu) - Long.bitCount(old);
        if (delta != 0) {
            count.addAndGet(delta);
        }
    }

    /// An immutable copy of the bits as they are now (each word read atomically).
    public BitmapSnapshot snapshot() {
        long[] copy = new long[words.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = words.get(i);
        }
        return new BitmapSnapshot(length, granularity, copy);
    }

    /// A new bitmap with the same geometry and bits.
    public ClusterBitmap copy() {
        ClusterBitmap c = new ClusterBitmap(length, granularity);
        c.merge(this);
        return c;
    }

    /// Replaces every bit with those of `snapshot` (same geometry required).
    public void load(BitmapSnapshot snapshot) {
        if (snapshot.length() != length || snapshot.granularity() != granularity) {
            throw new IllegalArgumentException("bitmap of " + snapshot.length() + " bytes at " + snapshot.granularity()
                    + " B granularity does not fit one of " + length + " bytes at " + granularity + " B");
        }
        clear();
        long[] w = snapshot.words();
        for (int i = 0; i < w.length; i++) {
            long bits = w[i];
            if (i == w.length - 1 && (clusters & 63) != 0) {
                bits &= (1L << (clusters & 63)) - 1;    // never bits past the last cluster
            }
            if (bits != 0) {
                orWord(i, bits);
            }
        }
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= clusters) {
            throw new IllegalArgumentException("cluster " + index + " outside bitmap of " + clusters + " clusters");
        }
    }

    private void checkRange(long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset > length || bytes > length - offset) {
            throw new IllegalArgumentException("range " + offset + "+" + bytes + " outside bitmap of " + length
                    + " bytes");
        }
    }

    /// A byte range `[offset, offset+length)`.
    public record Range(long offset, long length) {
        public long end() {
            return offset + length;
        }
    }
}
