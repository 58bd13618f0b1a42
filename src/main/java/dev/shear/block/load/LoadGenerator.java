package dev.shear.block.load;

import dev.shear.block.BlockNode;
import dev.shear.block.MemoryNode;
import dev.shear.util.Futures;
import dev.shear.util.InlineRunner;
import dev.shear.util.IoThreads;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/// Plays a guest: issues random block-aligned reads and writes at a fixed rate against a node
/// (a disk in-process, or an NBD export through a client node) and measures latency from the time
/// each request was due, less the part of the issuing thread's late wake-up that
/// [LoadSpec#excusedOversleep] excuses (see [Issuing#next]). At most `queueDepth` requests run at
/// once; when all slots are busy the next request waits, and that wait counts as latency.
///
/// `queueDepth` issuing threads take turns (decision 0020): one of them, the leader, waits for the
/// next request's due time, passes the lead on and runs that request itself, as a guest's vCPU
/// would issue it — no hand-over to a pool thread, whose wake-up costs milliseconds in the tail on
/// a busy 2-CPU machine (decision 0016). A slow request (a copy-before-write reading cold old data)
/// therefore holds up no request due after it: the next leader is already waiting for that one.
/// A request holding its thread longer than [InlineRunner#HAND_OFF_AFTER] (storage that hangs)
/// costs the generator no issuing thread either: another thread takes that thread's turns.
public final class LoadGenerator {
    private final BlockNode target;
    private final LoadSpec spec;
    private final LatencyHistogram writes = new LatencyHistogram();
    private final LatencyHistogram reads = new LatencyHistogram();
    private final LatencyHistogram oversleeps = new LatencyHistogram();
    /// Writes counted from when they were due, oversleep included (as before decision 0024).
    private final LatencyHistogram writesFromDue = new LatencyHistogram();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final long excusedNanos;
    private final LongConsumer park;
    private volatile boolean stopped;
    private volatile int iops;

    public LoadGenerator(BlockNode target, LoadSpec spec) {
        this(target, spec, LockSupport::parkNanos);
    }

    /// @param park how an issuing thread sleeps for up to the given nanoseconds (tests make it late)
    LoadGenerator(BlockNode target, LoadSpec spec, LongConsumer park) {
        this.park = park;
        if (target.size() < spec.blockSize()) {
            throw new IllegalArgumentException(target.describe() + " is smaller than one block");
        }
        this.target = target;
        this.spec = spec;
        this.iops = spec.iops();
        this.excusedNanos = spec.excusedOversleep().toNanos();
    }

    /// How late this machine wakes a generator's thread for a request when nothing else runs: the
    /// median oversleep of a load on a memory disk for `duration`, at `spec`'s queue depth and 2000
    /// requests/s (the lateness of the short sleep before each request hardly depends on the
    /// rate). Meant for [LoadSpec#excusedOversleep], measured before the load it excuses, with
    /// nothing else running; at most [LoadSpec#MAX_EXCUSED_OVERSLEEP].
    public static Duration idleOversleep(LoadSpec spec, Duration duration) throws InterruptedException {
        return idleOversleep(spec, duration, LockSupport::parkNanos);
    }

    static Duration idleOversleep(LoadSpec spec, Duration duration, LongConsumer park) throws InterruptedException {
        LoadSpec idle = new LoadSpec(CALIBRATION_IOPS, 1.0, spec.blockSize(), duration, spec.queueDepth(), spec.seed());
        LoadResult r = new LoadGenerator(new MemoryNode(CALIBRATION_DISK), idle, park).run();
        if (r.oversleep().count() == 0) {
            throw new IllegalStateException("no request of the idle load was taken before it was due");
        }
        Duration median = Duration.ofNanos(r.oversleep().p50() * 1000);
        return median.compareTo(LoadSpec.MAX_EXCUSED_OVERSLEEP) > 0 ? LoadSpec.MAX_EXCUSED_OVERSLEEP : median;
    }

    private static final int CALIBRATION_IOPS = 2000;
    private static final long CALIBRATION_DISK = 64L << 20;

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
    /// thread is one of the issuing threads (see above).
    public LoadResult run() throws InterruptedException {
        Issuing issuing = new Issuing();
        List<CompletableFuture<Void>> others = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(spec.queueDepth() - 1);
        CountDownLatch begun = new CountDownLatch(1);
        try {
            for (int i = 1; i < spec.queueDepth(); i++) {
                Issuer issuer = new Issuer(issuing);
                CompletableFuture<Void> ended = new CompletableFuture<>();
                others.add(ended);
                IoThreads.helper(() -> {
                    try {
                        ready.countDown();
                        begun.await();
                        issuer.runner.runLoop();
                        ended.complete(null);
                    } catch (Throwable t) {                 // thrown on by run()
                        ended.completeExceptionally(t);
                    }
                });
            }
            ready.await();                          // the clock starts once every issuing thread is up
            issuing.begin();
            begun.countDown();
            new Issuer(issuing).runner.runLoop();
            for (CompletableFuture<Void> ended : others) {
                Throwable failed = Futures.await(ended);
                if (failed != null) {
                    throw new IllegalStateException(failed);      // the loop throws nothing else
                }
            }
        } catch (InterruptedException | RuntimeException | Error e) {
            stopped = true;                         // the other issuing threads stop too
            begun.countDown();
            throw e;
        }
        if (!issuing.slots.tryAcquire(spec.queueDepth(), 60, TimeUnit.SECONDS)) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, "requests still in flight 60 s after the load ended");
        }
        double seconds = (System.nanoTime() - issuing.start) / 1e9;
        return new LoadResult(LoadResult.Stats.of(writes, seconds), LoadResult.Stats.of(reads, seconds),
                LoadResult.Stats.of(oversleeps, seconds), LoadResult.Stats.of(writesFromDue, seconds), seconds,
                errors.get(), firstError.get());
    }

    /// One request to issue: what, where, when it was due, and when its latency starts: when it was
    /// due, or later when the thread that was waiting for it woke up late (see [Issuing#next]).
    private record Request(boolean write, long offset, long dueAt, long from) {
    }

    /// What the issuing threads share: the schedule, the random stream and the slots.
    private final class Issuing {
        /// Held by the thread waiting for the next due time; guards `due` and `random`.
        final ReentrantLock lead = new ReentrantLock();
        final Semaphore slots = new Semaphore(spec.queueDepth());
        final SplittableRandom random = new SplittableRandom(spec.seed());
        final long blocks = target.size() / spec.blockSize();
        final byte[] data = new byte[spec.blockSize()];
        /// Set by [#begin], before any issuing thread takes a turn.
        long start;
        long end;
        long due;

        Issuing() {
            random.nextBytes(data);
        }

        void begin() {
            start = System.nanoTime();
            end = start + spec.duration().toNanos();
            due = start;
        }

        /// The next request once it is due, taken by the leader; null when the load has ended.
        /// The lead passes on [#LEAD_MARGIN_NANOS] before the request is due, so that the next
        /// leader's wake-up is not on the path of this request.
        ///
        /// A leader that took the request before it was due sleeps until then, and a sleeping
        /// thread wakes up late: 110 µs at the median on an idle 2-vCPU VM, where a woken vCPU
        /// waits for its host (decision 0024). Up to [LoadSpec#excusedOversleep] of that
        /// oversleep, the idle machine's own, is the generator's: the request's latency starts
        /// when the leader woke, but no later than that excuse after it was due, so the lateness
        /// that something else running causes (a backup's CPU use) counts (decision 0025).
        /// [#oversleeps] records every oversleep. A request no thread was free to take before it
        /// was due (all of them in slow requests) counts from when it was due: waiting for the
        /// disk is latency.
        Request next() throws InterruptedException {
            boolean write;
            long offset;
            long dueAt;
            long taken;
            lead.lockInterruptibly();
            try {
                if (stopped || due >= end) {
                    return null;
                }
                write = random.nextDouble() < spec.writeRatio();
                offset = random.nextLong(blocks) * spec.blockSize();
                dueAt = due;
                due += 1_000_000_000L / iops;
                taken = System.nanoTime();
                awaitTime(dueAt - LEAD_MARGIN_NANOS);
            } finally {
                lead.unlock();
            }
            awaitTime(dueAt);
            if (stopped) {
                return null;
            }
            long from = dueAt;
            if (taken <= dueAt) {
                long woke = System.nanoTime();
                oversleeps.record(woke - dueAt);
                from = Math.max(dueAt, Math.min(woke, dueAt + excusedNanos));
            }
            return new Request(write, offset, dueAt, from);
        }

        private void awaitTime(long deadline) {
            for (long wait; !stopped && (wait = deadline - System.nanoTime()) > 0; ) {
                park.accept(Math.min(wait, STOP_CHECK_NANOS));
            }
        }
    }

    /// How long before its request is due a leader passes the lead on.
    private static final long LEAD_MARGIN_NANOS = 250_000L;
    /// How often a leader waiting for a distant due time looks whether the load was stopped.
    private static final long STOP_CHECK_NANOS = 50_000_000L;

    /// One issuing thread's turns (carried on by another thread when a request holds it).
    private final class Issuer {
        final Issuing issuing;
        final InlineRunner<RuntimeException> runner = new InlineRunner<>(this::loop);

        Issuer(Issuing issuing) {
            this.issuing = issuing;
        }

        /// Takes turns until the end; false when a request held this thread and another one took
        /// its turns on.
        boolean loop() throws InterruptedException {
            Request r;
            while ((r = issuing.next()) != null) {
                issuing.slots.acquire();
                Request request = r;
                if (!runner.runHere(() -> issue(request))) {
                    return false;
                }
            }
            return true;
        }

        /// Issues one request; it counts as done when its write is (which the node may finish on
        /// another thread, [BlockNode#submitWrite]).
        private void issue(Request r) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            done.whenComplete((ok, failure) -> {
                try {
                    if (failure == null) {
                        long now = System.nanoTime();
                        (r.write() ? writes : reads).record(now - r.from());
                        if (r.write()) {
                            writesFromDue.record(now - r.dueAt());
                        }
                    } else {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, Futures.cause(failure).getMessage());
                    }
                } finally {
                    issuing.slots.release();
                }
            });
            if (r.write()) {
                target.submitWrite(r.offset(), ByteBuffer.wrap(issuing.data), false, done);
            } else {
                Futures.complete(done, () -> target.read(r.offset(), ByteBuffer.allocate(spec.blockSize())));
            }
        }
    }
}
