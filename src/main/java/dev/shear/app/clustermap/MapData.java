package dev.shear.app.clustermap;

import dev.shear.backup.ClusterMap;
import dev.shear.bitmap.BitmapSnapshot;
import java.util.Arrays;
import java.util.List;

/// A disk's [ClusterMap] brought to one granularity (the finest of its bitmaps; coarser bitmaps are
/// expanded) so a cluster's [ClusterState] is a few bit operations on 64 clusters at once.
/// Immutable once built; built off the UI thread.
///
/// "Freed from the fleecing image" needs history: the engine's done bitmap also gets set when the
/// guest writes a cluster the job has already copied and discarded (nothing is held then), so a
/// cluster counts as freed only if an earlier picture saw its old data held ([History]).
public final class MapData {
    private static final int STATES = ClusterState.values().length;

    private final long length;
    private final int unit;
    private final long units;
    private final boolean fleecing;
    private final long[] toCopy;
    private final long[] done;
    private final long[] access;
    private final long[] written;
    /// Clusters seen holding old data in the fleecing image in this or an earlier picture.
    private final long[] everHeld;
    /// In-flight clusters, sparse: sorted word indexes and their bits.
    private final int[] flightWords;
    private final long[] flightBits;

    private MapData(long length, int unit, boolean fleecing, long[] toCopy, long[] done, long[] access,
                    long[] written, long[] everHeld, int[] flightWords, long[] flightBits) {
        this.length = length;
        this.unit = unit;
        this.units = (length + unit - 1) / unit;
        this.fleecing = fleecing;
        this.toCopy = toCopy;
        this.done = done;
        this.access = access;
        this.written = written;
        this.everHeld = everHeld;
        this.flightWords = flightWords;
        this.flightBits = flightBits;
    }

    /// What earlier pictures of one disk's backup saw: the clusters whose old data was held in the
    /// fleecing image. Owned by one thread (the feed's); start a new one per disk and backup.
    public static final class History {
        private long[] everHeld;
    }

    /// Normalises `map` alone (no earlier pictures).
    public static MapData of(ClusterMap map) {
        return of(map, new History());
    }

    /// Normalises `map` (copies its bits; `map` is not kept), adding what it holds to `history`.
    public static MapData of(ClusterMap map, History history) {
        int g = map.toCopy().granularity();
        for (BitmapSnapshot s : List.of(map.cbwDone(), map.guestWritten())) {
            g = Math.min(g, s.granularity());
        }
        if (map.accessible() != null) {
            g = Math.min(g, map.accessible().granularity());
        }
        long units = (map.length() + g - 1) / g;
        long[] f = new long[0];
        int[] fw = new int[0];
        if (!map.inFlight().isEmpty()) {
            java.util.TreeMap<Integer, Long> sparse = new java.util.TreeMap<>();
            for (long[] r : map.inFlight()) {
                long from = r[0] / g;
                long to = Math.min(units, (r[0] + r[1] + g - 1) / g);
                for (long b = from; b < to; b++) {
                    sparse.merge((int) (b >>> 6), 1L << b, (x, y) -> x | y);
                }
            }
            fw = sparse.keySet().stream().mapToInt(Integer::intValue).toArray();
            f = sparse.values().stream().mapToLong(Long::longValue).toArray();
        }
        long[] done = expand(map.cbwDone(), g, units);
        long[] access = map.accessible() == null ? null : expand(map.accessible(), g, units);
        if (history.everHeld == null || history.everHeld.length != done.length) {
            history.everHeld = new long[done.length];
        }
        for (int w = 0; w < done.length; w++) {
            history.everHeld[w] |= done[w] & (access == null ? -1L : access[w]);
        }
        return new MapData(map.length(), g, map.fleecing(), expand(map.toCopy(), g, units), done, access,
                expand(map.guestWritten(), g, units), history.everHeld.clone(), fw, f);
    }

    /// The bits of `s` at granularity `g` (a divisor of its own): each of its bits becomes
    /// `s.granularity() / g` bits.
    static long[] expand(BitmapSnapshot s, int g, long units) {
        if (s.granularity() == g) {
            return s.words();
        }
        int k = Integer.numberOfTrailingZeros(s.granularity() / g);
        long[] src = s.words();
        long[] out = new long[(int) ((units + 63) >>> 6)];
        for (int w = 0; w < src.length; w++) {
            for (long bits = src[w]; bits != 0; bits &= bits - 1) {
                long i = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                setRange(out, i << k, Math.min(units, (i + 1) << k));
            }
        }
        return out;
    }

    private static void setRange(long[] words, long from, long to) {
        for (long b = from; b < to; ) {
            int w = (int) (b >>> 6);
            int lo = (int) (b & 63);
            int hi = (int) Math.min(64, lo + (to - b));
            words[w] |= (hi == 64 ? -1L : (1L << hi) - 1) & (-1L << lo);
            b += hi - lo;
        }
    }

    /// Disk size in bytes.
    public long length() {
        return length;
    }

    /// Bytes per map cluster.
    public int unit() {
        return unit;
    }

    /// Number of map clusters.
    public long units() {
        return units;
    }

    public boolean fleecing() {
        return fleecing;
    }

    /// Adds to `counts` (indexed by [ClusterState#ordinal()]) the number of clusters in
    /// `[from, to)` in each state.
    public void count(long from, long to, long[] counts) {
        if (to <= from) {
            return;
        }
        int w0 = (int) (from >>> 6);
        int w1 = (int) ((to - 1) >>> 6);
        int fi = lowerBound(flightWords, w0);
        for (int w = w0; w <= w1; w++) {
            long mask = -1L;
            if (w == w0) {
                mask &= -1L << (from & 63);
            }
            if (w == w1) {
                int hi = (int) (to - ((long) w << 6));
                if (hi < 64) {
                    mask &= (1L << hi) - 1;
                }
            }
            long f = 0;
            if (fi < flightWords.length && flightWords[fi] == w) {
                f = flightBits[fi++] & mask;
            }
            classify(w, mask, f, counts);
        }
    }

    /// The first index of `a` (sorted) holding a value ≥ `key`.
    private static int lowerBound(int[] a, int key) {
        int i = Arrays.binarySearch(a, key);
        return i >= 0 ? i : -i - 1;
    }

    private void classify(int w, long mask, long f, long[] c) {
        long t = toCopy[w];
        long d = done[w];
        long a = access == null ? -1L : access[w];
        long held = fleecing ? d & a & ~f & mask : 0;
        long freed = fleecing ? ~t & everHeld[w] & ~a & ~f & mask : 0;
        long rest = ~t & ~f & ~held & ~freed & mask;
        c[ClusterState.TO_COPY.ordinal()] += Long.bitCount(t & ~f & ~held & mask);
        c[ClusterState.HELD.ordinal()] += Long.bitCount(held);
        c[ClusterState.IN_FLIGHT.ordinal()] += Long.bitCount(f);
        c[ClusterState.FREED.ordinal()] += Long.bitCount(freed);
        c[ClusterState.GUEST_WRITTEN.ordinal()] += Long.bitCount(rest & written[w]);
        c[ClusterState.COPIED.ordinal()] += Long.bitCount(rest & ~written[w]);
    }

    /// The state counts of the whole disk.
    public long[] totals() {
        long[] c = new long[STATES];
        count(0, units, c);
        return c;
    }
}
