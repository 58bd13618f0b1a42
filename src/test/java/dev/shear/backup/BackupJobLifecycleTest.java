package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.bitmap.ClusterBitmap;
import dev.shear.bitmap.DirtyTrackingNode;
import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.block.FaultNode;
import dev.shear.block.FilterNode;
import dev.shear.block.MemoryNode;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.CbwFilter;
import dev.shear.copy.CopyOptions;
import dev.shear.copy.OnCbwError;
import dev.shear.copy.SnapshotAccessNode;
import dev.shear.util.Scheduling;
import dev.shear.util.ThreadStats;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class BackupJobLifecycleTest {
    private static final long SIZE = 16L << 20;
    private static final int K64 = 65536;

    private static MemoryNode image(long seed) throws Exception {
        MemoryNode m = new MemoryNode("disk", SIZE, K64);
        byte[] b = new byte[(int) SIZE];
        new Random(seed).nextBytes(b);
        m.write(0, b);
        return m;
    }

    @Test
    void pauseHoldsTheJobAndResumeFinishesIt() throws Exception {
        MemoryNode img = image(1);
        MemoryNode target = new MemoryNode("t", SIZE, K64);
        List<BackupEvent> events = new CopyOnWriteArrayList<>();
        GuestBackup b = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", new DrainableNode(img), target,
                null, null)), BackupOptions.defaults().withSpeed(8L << 20).withPerf(new Perf(2, 0, 0)), events::add);
        b.start();
        awaitState(b, JobState.RUNNING);
        b.pause();
        assertThat(b.jobs().get(0).state()).isEqualTo(JobState.PAUSED);
        long doneAtPause = b.jobs().get(0).blockCopy().bytesDone();
        Thread.sleep(400);
        // at most the tasks in flight at the pause (2 workers × 1 MiB) finish while paused
        assertThat(b.jobs().get(0).blockCopy().bytesDone() - doneAtPause).isLessThanOrEqualTo(2L << 20);
        assertThat(b.await(10, TimeUnit.MILLISECONDS)).isNull();
        b.setSpeed(0);
        b.resume();
        GuestBackup.Result r = b.await(30, TimeUnit.SECONDS);
        assertThat(r.state()).isEqualTo(JobState.COMPLETED);
        assertThat(target.read(0, (int) SIZE)).isEqualTo(img.read(0, (int) SIZE));
        assertThat(events).anyMatch(e -> e instanceof BackupEvent.StateChanged s && s.state() == JobState.PAUSED);
        assertThat(events).anyMatch(e -> e instanceof BackupEvent.Progress p && p.state() == JobState.COMPLETED
                && p.fraction() == 1.0);
    }

    @Test
    void aProgressEventStillBeingDeliveredWhenTheBackupEndsIsNotInterrupted() throws Exception {
        // an interrupt while an event is written to the control socket closes that socket: the CLI
        // then reported "connection closed" for a backup that succeeded
        MemoryNode img = image(3);
        MemoryNode target = new MemoryNode("t", SIZE, K64);
        java.util.concurrent.CountDownLatch completed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger slowTicks = new java.util.concurrent.atomic.AtomicInteger();
        List<String> interrupted = new CopyOnWriteArrayList<>();
        GuestBackup b = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", new DrainableNode(img), target,
                null, null)), BackupOptions.defaults().withSpeed(16L << 20).withPerf(new Perf(1, 0, 0)), e -> {
                    if (!(e instanceof BackupEvent.Progress p)) {
                        return;
                    }
                    if (p.state() == JobState.COMPLETED) {
                        completed.countDown();
                    } else if (Thread.currentThread().getName().startsWith("shear-progress-")) {
                        // a tick that is slow to deliver (a slow client) and still going when the job ends
                        slowTicks.incrementAndGet();
                        try {
                            completed.await(10, TimeUnit.SECONDS);
                            Thread.sleep(300);
                        } catch (InterruptedException ex) {
                            interrupted.add(Thread.currentThread().getName());
                        }
                    }
                });
        b.start();
        GuestBackup.Result r = b.await(30, TimeUnit.SECONDS);
        assertThat(r.state()).isEqualTo(JobState.COMPLETED);
        assertThat(slowTicks.get()).isPositive();
        assertThat(interrupted).isEmpty();
    }

    @Test
    void aJobWithFleecingCopiesInSmallerTasksUnlessMaxChunkIsSet() throws Exception {
        // decision 0022: its reads of the live disk hold up the guest's copy-before-write reads less
        assertThat(jobChunk(BackupOptions.fleecingDefaults(), K64, true)).isEqualTo(GuestBackup.FLEECING_JOB_CHUNK);
        assertThat(jobChunk(BackupOptions.fleecingDefaults(), 1 << 20, true)).as("a target cluster larger than that")
                .isEqualTo(1 << 20);
        assertThat(jobChunk(BackupOptions.fleecingDefaults().withPerf(new Perf(4, 128L << 10, 0)), K64, true))
                .as("max-chunk set").isEqualTo(128L << 10);
        assertThat(jobChunk(BackupOptions.fleecingDefaults().withPerf(new Perf(4, 4L << 20, 0)), K64, true))
                .as("max-chunk set larger").isEqualTo(BlockCopy.MAX_BUFFER);
        assertThat(jobChunk(BackupOptions.defaults(), K64, false)).as("without fleecing").isEqualTo(BlockCopy.MAX_BUFFER);
    }

    @Test
    void aFleecingBackupAcknowledgesGuestWritesBeforeTheirCopyOnlyUnderBreakSnapshot() throws Exception {
        // decision 0023; the fleecing image's writes are held, so every copy-before-write is too
        assertThat(acknowledgedWhileCopyHeld(OnCbwError.BREAK_SNAPSHOT)).isTrue();
        assertThat(acknowledgedWhileCopyHeld(OnCbwError.BREAK_GUEST_WRITE)).isFalse();
    }

    @Test
    void aBackupsOwnWorkRunsOnBackgroundThreads() throws Exception {
        // decision 0024: the job's copy workers and the write-behind of guest writes
        List<String> fleeceWriters = new CopyOnWriteArrayList<>();
        List<String> targetWriters = new CopyOnWriteArrayList<>();
        DrainableNode seat = new DrainableNode(image(6));
        GuestBackup b = GuestBackup.prepare("bg", List.of(new GuestBackup.Disk("scsi0", seat,
                recordingWriters(new MemoryNode("t", SIZE, K64), targetWriters),
                recordingWriters(new MemoryNode("f", SIZE, K64), fleeceWriters), null)),
                BackupOptions.fleecingDefaults().withSpeed(1L << 20), e -> { });
        b.start();
        for (int i = 0; i < 8; i++) {
            seat.write(SIZE / 2 + i * K64, new byte[4096]);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((fleeceWriters.size() < 8 || targetWriters.isEmpty()) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        b.cancel();
        assertThat(b.await(5, TimeUnit.SECONDS)).as("cancelled within 5 s").isNotNull();
        long background = Math.max(ThreadStats.nice(), Scheduling.BACKGROUND_NICE);
        assertThat(fleeceWriters).as("copy-before-write of acknowledged guest writes").hasSize(8)
                .allMatch(w -> w.startsWith("shear-background-") && w.endsWith(" nice " + background + " policy 3"));
        assertThat(targetWriters).as("the job's copy").isNotEmpty()
                .allMatch(w -> w.startsWith("shear-copy-bg") && w.endsWith(" nice " + background + " policy 3"));
    }

    /// `node`, noting in `writers` which thread wrote it, with that thread's nice value and policy.
    private static FilterNode recordingWriters(BlockNode node, List<String> writers) {
        return new FilterNode(node) {
            @Override
            public String describe() {
                return "recording " + inner.describe();
            }

            @Override
            public void write(long offset, java.nio.ByteBuffer src, boolean fua) throws java.io.IOException {
                writers.add(Thread.currentThread().getName() + " nice " + ThreadStats.nice() + " policy "
                        + ThreadStats.policy());
                super.write(offset, src, fua);
            }
        };
    }

    private static boolean acknowledgedWhileCopyHeld(OnCbwError policy) throws Exception {
        DrainableNode seat = new DrainableNode(image(5));
        FaultNode fleece = new FaultNode(new MemoryNode("f", SIZE, K64));
        GuestBackup b = GuestBackup.prepare("w", List.of(new GuestBackup.Disk("scsi0", seat,
                new MemoryNode("t", SIZE, K64), fleece, null)),
                BackupOptions.fleecingDefaults().withOnCbwError(policy).withSpeed(1), e -> { });
        b.start();
        fleece.stall(FaultNode.Kind.WRITE);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                seat.write(SIZE / 2, new byte[4096]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(fleece.awaitStalled(FaultNode.Kind.WRITE, 1, Duration.ofSeconds(10))).isTrue();
        boolean acknowledged;
        try {
            write.get(300, TimeUnit.MILLISECONDS);
            acknowledged = true;
        } catch (TimeoutException e) {
            acknowledged = false;
        }
        fleece.release(FaultNode.Kind.WRITE);
        write.get(10, TimeUnit.SECONDS);
        b.cancel();
        assertThat(b.await(5, TimeUnit.SECONDS)).as("cancelled within 5 s").isNotNull();
        assertThat(seat.read(SIZE / 2, 4096)).as("the write reached the disk").containsOnly(0);
        return acknowledged;
    }

    /// The task size of the job of a backup started with `options` to a target of `targetCluster`.
    private static long jobChunk(BackupOptions options, int targetCluster, boolean fleecing) throws Exception {
        GuestBackup b = GuestBackup.prepare("c", List.of(new GuestBackup.Disk("scsi0", new DrainableNode(image(4)),
                new MemoryNode("t", SIZE, targetCluster), fleecing ? new MemoryNode("f", SIZE, K64) : null, null)),
                options.withSpeed(1L << 20), e -> { });
        b.start();
        long chunk = b.jobs().get(0).blockCopy().chunkSize();
        b.cancel();
        assertThat(b.await(5, TimeUnit.SECONDS)).as("cancelled within 5 s").isNotNull();
        return chunk;
    }

    @Test
    void cancelEndsPromptlyRemovesTheFilterAndLeavesTheDiskUntouched() throws Exception {
        MemoryNode img = image(2);
        byte[] before = img.read(0, (int) SIZE);
        DrainableNode seat = new DrainableNode(img);
        MemoryNode fleece = new MemoryNode("f", SIZE, K64);
        GuestBackup b = GuestBackup.prepare("b", List.of(
                new GuestBackup.Disk("scsi0", seat, new MemoryNode("t", SIZE, K64), fleece, null),
                new GuestBackup.Disk("scsi1", new DrainableNode(image(3)), new MemoryNode("t2", SIZE, K64),
                        new MemoryNode("f2", SIZE, K64), null)),
                BackupOptions.fleecingDefaults().withSpeed(1L << 20), e -> { });
        b.start();
        awaitState(b, JobState.RUNNING);
        assertThat(seat.delegate()).isInstanceOf(CbwFilter.class);
        b.cancel();
        GuestBackup.Result r = b.await(5, TimeUnit.SECONDS);
        assertThat(r).as("cancel took effect within 5 s").isNotNull();
        assertThat(r.state()).isEqualTo(JobState.CANCELLED);
        assertThat(r.jobs()).containsExactly(JobState.CANCELLED, JobState.CANCELLED);
        assertThat(seat.delegate()).isSameAs(img);
        assertThat(img.read(0, (int) SIZE)).isEqualTo(before);
    }

    @Test
    void bitmapSyncFollowsTheModeAfterSuccess() throws Exception {
        for (BitmapMode mode : BitmapMode.values()) {
            MemoryNode img = image(4);
            ClusterBitmap dirty = new ClusterBitmap(SIZE, K64);
            dirty.set(0, 3L * K64);
            DirtyTrackingNode tracker = new DirtyTrackingNode(img, dirty);
            DrainableNode seat = new DrainableNode(tracker);
            MemoryNode target = new MemoryNode("t", SIZE, K64);
            GuestBackup b = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", seat, target, null, tracker)),
                    BackupOptions.defaults().withSync(SyncMode.BITMAP, mode), e -> { });
            b.start(() -> { });
            seat.write(10L * K64, new byte[4096]);          // a write after the point in time
            assertThat(b.await(10, TimeUnit.SECONDS).state()).isEqualTo(JobState.COMPLETED);
            // only the three dirty clusters were copied
            assertThat(target.read(0, 3 * K64)).isEqualTo(img.read(0, 3 * K64));
            assertThat(target.allocatedBytes()).isEqualTo(3L * K64);
            long expected = mode == BitmapMode.NEVER ? 4 : 1;
            assertThat(dirty.count()).as("mode %s", mode).isEqualTo(expected);
            assertThat(dirty.get(10)).isTrue();
        }
    }

    @Test
    void bitmapAfterCancelIsReclaimedOrKeepsOnlyWhatWasNotCopied() throws Exception {
        for (BitmapMode mode : BitmapMode.values()) {
            MemoryNode img = image(5);
            ClusterBitmap dirty = new ClusterBitmap(SIZE, K64);
            dirty.setAll();
            DirtyTrackingNode tracker = new DirtyTrackingNode(img, dirty);
            DrainableNode seat = new DrainableNode(tracker);
            GuestBackup b = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", seat,
                            new MemoryNode("t", SIZE, K64), null, tracker)),
                    BackupOptions.defaults().withSync(SyncMode.BITMAP, mode).withSpeed(4L << 20)
                            .withPerf(new Perf(1, 0, 0)), e -> { });
            b.start();
            awaitProgress(b, 2L << 20);
            b.cancel();
            GuestBackup.Result r = b.await(10, TimeUnit.SECONDS);
            assertThat(r.state()).isEqualTo(JobState.CANCELLED);
            long clusters = SIZE / K64;
            if (mode == BitmapMode.ALWAYS) {
                long copied = b.jobs().get(0).blockCopy().bytesDone() / K64;
                assertThat(copied).isPositive();
                assertThat(dirty.count()).as("always: copied clusters cleared").isEqualTo(clusters - copied);
            } else {
                assertThat(dirty.count()).as("%s: everything still dirty", mode).isEqualTo(clusters);
            }
        }
    }

    @Test
    void coarseFleecingImageIgnoresSmallDiscardsUnlessMinClusterSizeMatches() throws Exception {
        for (long minCluster : new long[] {0, 4 << 20}) {
            MemoryNode img = image(6);
            MemoryNode fleece = new MemoryNode("coarse", SIZE, 4 << 20);     // e.g. RBD's 4 MiB objects
            BlockCopy toFleece = BlockCopy.create(img, fleece, CopyOptions.defaults(), null);
            assertThat(toFleece.clusterSize()).isEqualTo(4 << 20);
            CbwFilter cbw = new CbwFilter(toFleece, OnCbwError.BREAK_SNAPSHOT, 0);
            SnapshotAccessNode snapshot = new SnapshotAccessNode(cbw);
            for (long off = 0; off < SIZE; off += 4 << 20) {
                cbw.write(off + 4096, new byte[] {1, 2, 3});              // the guest touches every 4 MiB cluster
            }
            assertThat(fleece.allocatedBytes()).isEqualTo(SIZE);
            MemoryNode target = new MemoryNode("t", SIZE, K64);
            BlockCopy job = BlockCopy.create(snapshot, target,
                    CopyOptions.defaults().withDiscardSource(true).withMinClusterSize(minCluster), null);
            job.copy(0, SIZE);
            assertThat(target.read(0, 4096)).isEqualTo(image(6).read(0, 4096));
            if (minCluster == 0) {
                assertThat(fleece.allocatedBytes()).as("64 KiB discards are aligned away on 4 MiB clusters")
                        .isEqualTo(SIZE);
            } else {
                assertThat(fleece.allocatedBytes()).as("4 MiB discards free the fleecing image").isZero();
            }
        }
    }

    static void awaitState(GuestBackup b, JobState s) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (!b.jobs().isEmpty() && b.jobs().get(0).state() == s) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("job never reached " + s);
    }

    static void awaitProgress(GuestBackup b, long bytes) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (b.jobs().get(0).blockCopy().bytesDone() >= bytes) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("job never copied " + bytes + " bytes");
    }
}
