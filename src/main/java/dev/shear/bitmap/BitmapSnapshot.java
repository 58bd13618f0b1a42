package dev.shear.bitmap;

/// An immutable copy of a [ClusterBitmap], safe to read from any thread (the app draws it; the
/// persistence layer writes it).
public final class BitmapSnapshot {
    private final long length;
    private final int granularity;
    private final long[] words;

    BitmapSnapshot(long length, int granularity, long[] words) {
        this.length = length;
        this.granularity = granularity;
        this.words = words;
    }

    /// Bytes of the device covered.
    public long length() {
        return length;
    }

    /// Bytes per bit.
    public int granularity() {
        return granularity;
    }

    /// Number of bits.
    public long clusters() {
        return (length + granularity - 1) / granularity;
    }

    /// True when cluster `index` was set.
    public boolean get(long index) {
        return (words[(int) (index >>> 6)] & (1L << index)) != 0;
    }

    /// Number of set bits in clusters `[from, to)`.
    public long count(long from, long to) {
        long n = 0;
        long i = from;
        while (i < to) {
            int w = (int) (i >>> 6);
            int lo = (int) (i & 63);
            int hi = (int) Math.min(64, lo + (to - i));
            long mask = (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
            n += Long.bitCount(words[w] & mask);
            i += hi - lo;
        }
        return n;
    }

    /// Number of set bits.
    public long count() {
        return count(0, clusters());
    }

    /// A copy of the raw 64-bit words (bit i of the device is bit i%64 of word i/64).
    public long[] words() {
        return words.clone();
    }

    /// A clear snapshot of the given geometry.
    public static BitmapSnapshot empty(long length, int granularity) {
        return new ClusterBitmap(length, granularity).snapshot();
    }
}
