package dev.shear.block.load;

import dev.shear.block.BlockNode;
import dev.shear.util.Futures;
import dev.shear.util.InlineRunner;
import dev.shear.util.IoThreads;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/// Plays a guest: issues random block-aligned reads and writes at a fixed rate against a node
/// (a disk in-process, or an NBD export through a client node) and measures latency from the time
/// each request was due. At most `queueDepth` requests run at once; when all slots are busy the
/// next request waits, and that wait counts as latency.
///
/// A request due while none is in flight and none overdue runs on the issuing thread, as a guest's
/// vCPU would issue it ([InlineRunner], decision 0016); the others go to the request pool so that
/// they overlap. A hand-over per request would add the wake-up of a pool thread, milliseconds in
/// the tail on a busy 2-CPU machine, to every figure. A request holding the issuing thread longer
/// than [InlineRunner#HAND_OFF_AFTER] does not hold up the requests due after it: another thread
/// issues on.
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

    /// Runs the load until the duration ends or [#stop()] and returns what it measured; the calling
    /// thread issues the requests (another one when a request holds it, see above).
    public LoadResult run() throws InterruptedException {
        Issuing issuing = new Issuing();
        try {
            issuing.runner.runLoop();
        } catch (InterruptedException | RuntimeException | Error e) {
            stopped = true;                         // a thread issuing on in our stead stops too
            throw e;
        }
        if (!issuing.slots.tryAcquire(spec.queueDepth(), 60, TimeUnit.SECONDS)) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, "requests still in flight 60 s after the load ended");
        }
        double seconds = (System.nanoTime() - issuing.start) / 1e9;
        return new LoadResult(LoadResult.Stats.of(writes, seconds), LoadResult.Stats.of(reads, seconds), seconds,
                errors.get(), firstError.get());
    }

    /// The issuing loop and its state, which passes to another thread when a request holds the
    /// issuing one.
    private final class Issuing {
        final Semaphore slots = new Semaphore(spec.queueDepth());
        final SplittableRandom random = new SplittableRandom(spec.seed());
        final long blocks = target.size() / spec.blockSize();
        final byte[] data = new byte[spec.blockSize()];
        final long start = System.nanoTime();
        final long end = start + spec.duration().toNanos();
        final InlineRunner<RuntimeException> runner = new InlineRunner<>(this::loop);
        long due = start;

        Issuing() {
            random.nextBytes(data);
        }

        /// Issues until the end; false when a request held this thread and another one issues on.
        boolean loop() throws InterruptedException {
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
                long dueAt = due;
                long interval = 1_000_000_000L / iops;
                boolean alone = slots.availablePermits() == spec.queueDepth() && now - dueAt < interval;
                due += interval;
                slots.acquire();
                Runnable request = () -> issue(write, offset, dueAt);
                if (!alone) {
                    IoThreads.request(request);
                } else if (!runner.runHere(request)) {
                    return false;
                }
            }
            return true;
        }

        /// Issues one request; it counts as done when its write is (which the node may finish on
        /// another thread, [BlockNode#submitWrite]).
        private void issue(boolean write, long offset, long dueAt) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            done.whenComplete((ok, failure) -> {
                try {
                    if (failure == null) {
                        (write ? writes : reads).record(System.nanoTime() - dueAt);
                    } else {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, Futures.cause(failure).getMessage());
                    }
                } finally {
                    slots.release();
                }
            });
            if (write) {
                target.submitWrite(offset, ByteBuffer.wrap(data), false, done);
            } else {
                Futures.complete(done, () -> target.read(offset, ByteBuffer.allocate(spec.blockSize())));
            }
        }
    }
}
