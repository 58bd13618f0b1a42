package dev.shear.block.load;

import java.util.concurrent.atomic.AtomicLongArray;

/// A thread-safe latency histogram with log-linear buckets (≈ 1.6 % resolution) from 1 µs to
/// about 1100 s, in the spirit of HdrHistogram: recording is one atomic increment, percentiles are
/// read from the counts.
public final class LatencyHistogram {
    private static final int SUB_BITS = 6;                 // 64 linear sub-buckets per power of two
    private static final int SUB = 1 << SUB_BITS;
    private static final int POWERS = 31;                  // 2^30 µs ≈ 1074 s
    private final AtomicLongArray counts = new AtomicLongArray(POWERS * SUB);
    private final java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();

    /// Records one latency in nanoseconds.
    public void record(long nanos) {
        long micros = Math.max(1, nanos / 1000);
        counts.incrementAndGet(index(micros));
        total.incrementAndGet();
        max.accumulateAndGet(micros, Math::max);
    }

    static int index(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int power = 63 - Long.numberOfLeadingZeros(micros);       // ≥ SUB_BITS
        int bucket = power - SUB_BITS + 1;
        if (bucket >= POWERS) {
            return POWERS * SUB - 1;
        }
        int sub = (int) (micros >>> (power - SUB_BITS)) - SUB;    // 0 … SUB-1
        return bucket * SUB + sub;
    }

    /// The lower bound of bucket `i` in microseconds.
    static long lowerBound(int i) {
        int bucket = i / SUB;
        int sub = i % SUB;
        if (bucket == 0) {
            return sub;
        }
        int power = bucket + SUB_BITS - 1;
        return ((long) (SUB + sub)) << (power - SUB_BITS);
    }

    /// Number of recorded values.
    public long count() {
        return total.get();
    }

    /// The largest recorded latency in microseconds.
    public long maxMicros() {
        return max.get();
    }

    /// The latency in microseconds below which `percentile` % of the values lie (0 when empty).
    public long percentileMicros(double percentile) {
        long n = total.get();
        if (n == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(percentile / 100.0 * n);
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                long upper = Math.max(lowerBound(i), lowerBound(i + 1) - 1);
                return Math.min(upper, max.get());
            }
        }
        return max.get();
    }
}
