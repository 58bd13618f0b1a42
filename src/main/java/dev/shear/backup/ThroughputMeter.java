package dev.shear.backup;

import java.util.ArrayDeque;

/// Bytes per second over a sliding window of recent samples (for progress bars and charts).
/// Not thread-safe: one publisher thread feeds it.
public final class ThroughputMeter {
    private final long windowNanos;
    /// Samples of {nanoTime, bytes}, oldest first.
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();

    public ThroughputMeter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    /// Adds a sample of the running total and returns the rate over the window.
    public long sample(long nanoTime, long totalBytes) {
        samples.addLast(new long[] {nanoTime, totalBytes});
        while (samples.size() > 2 && nanoTime - samples.peekFirst()[0] > windowNanos) {
            samples.removeFirst();
        }
        long[] first = samples.peekFirst();
        long dt = nanoTime - first[0];
        return dt <= 0 ? 0 : (long) ((totalBytes - first[1]) * 1e9 / dt);
    }
}
