package dev.shear.block.load;

import dev.shear.block.BlockNode;
import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/// Plays a guest: issues random block-aligned reads and writes at a fixed rate against a node
/// (a disk in-process, or an NBD export through a client node) and measures latency from the time
/// each request was due. At most `queueDepth` requests run at once; when all slots are busy the
/// next request waits, and that wait counts as latency.
public final class LoadGenerator {
    private final BlockNode target;
    private final LoadSpec spec;
    private final LatencyHistogram writes = new LatencyHistogram();
    private final LatencyHistogram reads = new LatencyHistogram();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private volatile boolean stopped;
    private volatile int iops;

    public LoadGenerator(BlockNode target, LoadSpec spec) {
        if (target.size() < spec.blockSize()) {
            throw new IllegalArgumentException(target.describe() + " is smaller than one block");
        }
        this.target = target;
        this.spec = spec;
        this.iops = spec.iops();
    }

    /// Changes the rate while running (the app's IOPS slider).
    public void setIops(int iops) {
        if (iops < 1) {
            throw new IllegalArgumentException("iops must be at least 1, not " + iops);
        }
        this.iops = iops;
    }

    /// Ends a running load early.
    public void stop() {
        stopped = true;
    }

    /// The histograms so far (live view for progress displays).
    public LatencyHistogram writeLatencies() {
        return writes;
    }

    public LatencyHistogram readLatencies() {
        return reads;
    }

    /// Runs the load on the calling thread until the duration ends or [#stop()]; returns what it measured.
    public LoadResult run() throws InterruptedException {
        Semaphore slots = new Semaphore(spec.queueDepth());
        SplittableRandom random = new SplittableRandom(spec.seed());
        long blocks = target.size() / spec.blockSize();
        byte[] data = new byte[spec.blockSize()];
        random.nextBytes(data);
        long start = System.nanoTime();
        long end = start + spec.duration().toNanos();
        long due = start;
        while (!stopped) {
            long now = System.nanoTime();
            if (due >= end) {
                break;
            }
            if (due > now) {
                LockSupport.parkNanos(due - now);
                continue;
            }
            boolean write = random.nextDouble() < spec.writeRatio();
            long offset = random.nextLong(blocks) * spec.blockSize();
            final long dueAt = due;
            slots.acquire();
            IoThreads.request(() -> {
                try {
                    if (write) {
                        target.write(offset, ByteBuffer.wrap(data), false);
                    } else {
                        target.read(offset, ByteBuffer.allocate(spec.blockSize()));
                    }
                    (write ? writes : reads).record(System.nanoTime() - dueAt);
                } catch (IOException | RuntimeException e) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, e.getMessage());
                } finally {
                    slots.release();
                }
            });
            due += 1_000_000_000L / iops;
        }
        if (!slots.tryAcquire(spec.queueDepth(), 60, TimeUnit.SECONDS)) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, "requests still in flight 60 s after the load ended");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new LoadResult(LoadResult.Stats.of(writes, seconds), LoadResult.Stats.of(reads, seconds), seconds,
                errors.get(), firstError.get());
    }
}
