package dev.shear.block.load;

import java.time.Duration;

/// What a guest load looks like: an open-loop stream of random, block-aligned requests.
///
/// @param iops        requests per second in total (reads and writes)
/// @param writeRatio  share of writes, 0 … 1
/// @param blockSize   bytes per request (a multiple of 512)
/// @param duration    how long to run
/// @param queueDepth  most requests in flight at once (like fio's iodepth)
/// @param seed        random seed for offsets and data
/// @param excusedOversleep how much of the generator's own late wake-up for a request does not
///                    count as its latency: this machine's idle figure ([LoadGenerator#idleOversleep]),
///                    so that only the lateness something else causes shows; zero counts every
///                    request from when it was due (decision 0025)
public record LoadSpec(int iops, double writeRatio, int blockSize, Duration duration, int queueDepth, long seed,
                       Duration excusedOversleep) {
    /// A load whose requests all count from when they were due.
    public LoadSpec(int iops, double writeRatio, int blockSize, Duration duration, int queueDepth, long seed) {
        this(iops, writeRatio, blockSize, duration, queueDepth, seed, Duration.ZERO);
    }

    public LoadSpec {
        if (iops < 1) {
            throw new IllegalArgumentException("iops must be at least 1, not " + iops);
        }
        if (writeRatio < 0 || writeRatio > 1) {
            throw new IllegalArgumentException("write ratio must be between 0 and 1, not " + writeRatio);
        }
        if (blockSize < 512 || blockSize % 512 != 0 || blockSize > (32 << 20)) {
            throw new IllegalArgumentException("block size must be a multiple of 512 between 512 and 32M, not "
                    + blockSize);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive");
        }
        if (queueDepth < 1 || queueDepth > 1024) {
            throw new IllegalArgumentException("queue depth must be between 1 and 1024, not " + queueDepth);
        }
        if (excusedOversleep.isNegative() || excusedOversleep.compareTo(MAX_EXCUSED_OVERSLEEP) > 0) {
            throw new IllegalArgumentException("excused oversleep must be between 0 and "
                    + MAX_EXCUSED_OVERSLEEP.toNanos() / 1000 + " µs, not " + excusedOversleep.toNanos() / 1000 + " µs");
        }
    }

    /// More than any machine's timer lateness: beyond it, the excuse would hide real latency.
    public static final Duration MAX_EXCUSED_OVERSLEEP = Duration.ofMillis(10);

    public LoadSpec withExcusedOversleep(Duration d) {
        return new LoadSpec(iops, writeRatio, blockSize, duration, queueDepth, seed, d);
    }
}
