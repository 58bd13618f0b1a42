package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.DrainableNode;
import dev.shear.block.FaultNode;
import dev.shear.block.MemoryNode;
import dev.shear.block.NoSpaceException;
import dev.shear.copy.CbwFilter;
import dev.shear.copy.OnCbwError;
import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// What happens when copy-before-write cannot copy: a full or stalled fleecing image.
class CbwFaultTest {
    private static final long SIZE = 16L << 20;
    private static final int K64 = 65536;

    private record Setup(MemoryNode image, DrainableNode seat, FaultNode fleece, MemoryNode target, GuestBackup backup) {
    }

    /// Without write-behind: these tests are about the guest write that waits for its copy.
    private static Setup setup(OnCbwError policy, long cbwTimeout, long speed) throws Exception {
        return setup(policy, cbwTimeout, speed, 0);
    }

    private static Setup setup(OnCbwError policy, long cbwTimeout, long speed, long writeBehind) throws Exception {
        MemoryNode image = new MemoryNode("disk", SIZE, K64);
        byte[] data = new byte[(int) SIZE];
        new Random(1).nextBytes(data);
        image.write(0, data);
        DrainableNode seat = new DrainableNode(image);
        FaultNode fleece = new FaultNode(new MemoryNode("fleece", SIZE, K64));
        MemoryNode target = new MemoryNode("target", SIZE, K64);
        BackupOptions options = BackupOptions.fleecingDefaults().withOnCbwError(policy).withCbwTimeout(cbwTimeout)
                .withSpeed(speed).withPerf(new Perf(2, 0, 0)).withWriteBehind(writeBehind);
        GuestBackup backup = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", seat, target, fleece, null)),
                options, e -> { });
        return new Setup(image, seat, fleece, target, backup);
    }

    private static byte[] block(int value) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void fullFleecingStorageBreaksTheSnapshotNotTheGuest() throws Exception {
        Setup s = setup(OnCbwError.BREAK_SNAPSHOT, 0, 1L << 20);
        s.fleece().failWritesWithNoSpaceAfter(3L * K64);
        s.backup().start();
        // the guest writes all over the disk; after three clusters the fleecing storage is full
        for (long off = SIZE - K64; off >= SIZE / 2; off -= K64) {
            s.seat().write(off, block(0x42));
        }
        GuestBackup.Result r = s.backup().await(20, TimeUnit.SECONDS);
        assertThat(r.state()).isEqualTo(JobState.FAILED);
        assertThat(r.error()).as("the original error, not a vague one").contains("no space");
        assertThat(s.backup().jobs().get(0).failure()).hasRootCauseInstanceOf(NoSpaceException.class);
        for (long off = SIZE - K64; off >= SIZE / 2; off -= K64) {
            assertThat(s.image().read(off, 4096)).as("guest write at %d kept", off).isEqualTo(block(0x42));
        }
        assertThat(s.seat().delegate()).as("filter removed").isSameAs(s.image());
        s.seat().write(0, block(0x43));                   // the guest carries on after the backup
        assertThat(s.image().read(0, 4096)).isEqualTo(block(0x43));
    }

    @Test
    void fullTargetWithBreakGuestWriteFailsTheGuestWriteAndKeepsTheOldData() throws Exception {
        Setup s = setup(OnCbwError.BREAK_GUEST_WRITE, 0, 1L << 20);
        byte[] old = s.image().read(SIZE - K64, 4096);
        s.fleece().failWritesWithNoSpaceAfter(0);
        s.backup().start();
        assertThatThrownBy(() -> s.seat().write(SIZE - K64, block(0x42)))
                .isInstanceOf(NoSpaceException.class);
        assertThat(s.image().read(SIZE - K64, 4096)).as("the failed guest write changed nothing").isEqualTo(old);
        s.fleece().clearNoSpace();
        s.backup().setSpeed(0);
        GuestBackup.Result r = s.backup().await(20, TimeUnit.SECONDS);
        assertThat(r.state()).as("the snapshot stayed intact: %s", r.error()).isEqualTo(JobState.COMPLETED);
        assertThat(s.target().read(SIZE - K64, 4096)).isEqualTo(old);
    }

    @Test
    void stalledFleecingImageTimesOutAfterCbwTimeoutAndTheGuestGoesOn() throws Exception {
        Setup s = stalled(OnCbwError.BREAK_SNAPSHOT);
        long t0 = System.nanoTime();
        s.seat().write(SIZE - K64, block(0x42));          // returns after cbw-timeout, not never
        long waited = System.nanoTime() - t0;
        assertThat(waited).as("waited for the timeout").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
        assertThat(s.image().read(SIZE - K64, 4096)).isEqualTo(block(0x42));
        s.fleece().release(FaultNode.Kind.WRITE);
        assertFailedWithTheTimeout(s);
    }

    @Test
    void withWriteBehindTheGuestWriteReturnsAtOnceAndTheStalledCopyStillTimesOut() throws Exception {
        Setup s = setup(OnCbwError.BREAK_SNAPSHOT, 1, 1L << 20, 1L << 20);
        s.backup().start();
        s.fleece().stall(FaultNode.Kind.WRITE);
        CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> {
            try {
                s.seat().write(SIZE - K64, block(0x42));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        guest.get(500, TimeUnit.MILLISECONDS);           // acknowledged long before the 1-s timeout
        assertThat(s.fleece().awaitStalled(FaultNode.Kind.WRITE, 1, Duration.ofSeconds(10))).isTrue();
        s.seat().flush();                                 // after the timeout broke the snapshot, the write went on
        assertThat(s.image().read(SIZE - K64, 4096)).isEqualTo(block(0x42));
        s.fleece().release(FaultNode.Kind.WRITE);
        assertFailedWithTheTimeout(s);
    }

    /// A fleecing backup with a 1-s cbw-timeout whose fleecing image has stopped taking writes.
    private static Setup stalled(OnCbwError policy) throws Exception {
        Setup s = setup(policy, 1, 1L << 20);
        s.backup().start();
        s.fleece().stall(FaultNode.Kind.WRITE);
        return s;
    }

    private static void assertFailedWithTheTimeout(Setup s) throws Exception {
        GuestBackup.Result r = s.backup().await(20, TimeUnit.SECONDS);
        assertThat(r.state()).isEqualTo(JobState.FAILED);
        assertThat(r.error()).contains("cbw-timeout (1 s)");
        assertThat(s.backup().jobs().get(0).failure()).hasRootCauseInstanceOf(CbwFilter.CbwTimeoutException.class);
    }

    @Test
    void cbwTimeoutLongerThanFourSecondsIsHonoured() throws Exception {
        // QEMU before 9.1 stored the timeout in a 32-bit nanosecond field: 5 s became about 0.7 s
        Setup s = setup(OnCbwError.BREAK_SNAPSHOT, 5, 0);
        s.fleece().stall(FaultNode.Kind.WRITE, Duration.ofMillis(1500));
        s.backup().start();
        CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> {
            try {
                s.seat().write(SIZE - K64, block(0x42));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        guest.get(20, TimeUnit.SECONDS);
        GuestBackup.Result r = s.backup().await(30, TimeUnit.SECONDS);
        assertThat(r.state()).as("a 1.5 s stall is within a 5 s cbw-timeout: %s", r.error())
                .isEqualTo(JobState.COMPLETED);
    }

    @Test
    void aServedWriteWhoseCopyStallsIsFinishedByAHelperAfterCbwTimeout() throws Exception {
        // the NBD path (BlockNode.submitWrite): the copy runs on the request's thread, which stays
        // in the stalled fleecing image while a helper does the guest write and completes it
        Setup s = stalled(OnCbwError.BREAK_SNAPSHOT);
        long t0 = System.nanoTime();
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread request = submit(s, written);
        written.get(10, TimeUnit.SECONDS);
        long waited = System.nanoTime() - t0;
        assertThat(waited).as("waited for the timeout").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
        assertThat(request.isAlive()).as("the request's thread is still in the stalled copy").isTrue();
        assertThat(s.image().read(SIZE - K64, 4096)).isEqualTo(block(0x42));
        CompletableFuture<DrainableNode.Drained> drain = CompletableFuture.supplyAsync(() -> s.seat().drain());
        drain.get(5, TimeUnit.SECONDS).close();           // the stuck thread holds no permit of the seat
        s.fleece().release(FaultNode.Kind.WRITE);
        request.join(10_000);
        assertThat(request.isAlive()).isFalse();
        assertFailedWithTheTimeout(s);
    }

    @ParameterizedTest(name = "served={0}")
    @ValueSource(booleans = {false, true})
    void aCopyFinishingAfterItsGuestWriteFailedStillCountsForTheSnapshot(boolean served) throws Exception {
        // break-guest-write: the guest write fails at cbw-timeout, the copy goes on and succeeds
        // later; a second guest write to that cluster then must not reach the snapshot
        Setup s = stalled(OnCbwError.BREAK_GUEST_WRITE);
        byte[] old = s.image().read(SIZE - K64, 4096);
        Thread request = null;
        if (served) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            request = submit(s, written);
            assertThatThrownBy(() -> written.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(CbwFilter.CbwTimeoutException.class);
            assertThat(request.isAlive()).as("the request's thread is still in the stalled copy").isTrue();
        } else {
            assertThatThrownBy(() -> s.seat().write(SIZE - K64, block(0x42)))
                    .isInstanceOf(CbwFilter.CbwTimeoutException.class);
        }
        assertThat(s.image().read(SIZE - K64, 4096)).as("the failed guest write changed nothing").isEqualTo(old);
        s.fleece().release(FaultNode.Kind.WRITE);
        if (request != null) {
            request.join(10_000);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (s.fleece().stalledRequests(FaultNode.Kind.WRITE) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50);                                 // the late copy settles
        s.seat().write(SIZE - K64, block(0x44));          // now the guest write goes through
        s.backup().setSpeed(0);
        GuestBackup.Result r = s.backup().await(20, TimeUnit.SECONDS);
        assertThat(r.state()).as("the snapshot stayed intact: %s", r.error()).isEqualTo(JobState.COMPLETED);
        assertThat(s.target().read(SIZE - K64, 4096)).as("the backup has the data of its point in time")
                .isEqualTo(old);
        assertThat(s.image().read(SIZE - K64, 4096)).isEqualTo(block(0x44));
    }

    @Test
    void servedWritesStuckInStorageDoNotStarveTheRequestPool() throws Exception {
        // more stuck copies than the pool has threads: each thread overtaken by its deadline is
        // replaced, so every write gets its answer and later requests still run
        Setup s = stalled(OnCbwError.BREAK_GUEST_WRITE);
        int n = IoThreads.REQUEST_THREADS + 8;
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long offset = SIZE - (i + 1L) * K64;        // clusters the throttled job reaches last
            CompletableFuture<Void> written = new CompletableFuture<>();
            writes.add(written);
            IoThreads.request(() -> s.seat().submitWrite(offset, ByteBuffer.wrap(block(0x42)), false, written));
        }
        for (CompletableFuture<Void> w : writes) {
            assertThatThrownBy(() -> w.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(CbwFilter.CbwTimeoutException.class);
        }
        CompletableFuture<byte[]> read = new CompletableFuture<>();
        IoThreads.request(() -> {
            try {
                read.complete(s.seat().read(SIZE / 2, 4096));
            } catch (IOException e) {
                read.completeExceptionally(e);
            }
        });
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(s.image().read(SIZE / 2, 4096));
        s.fleece().release(FaultNode.Kind.WRITE);
        s.backup().cancel();
        s.backup().await(20, TimeUnit.SECONDS);
    }

    @Test
    void aServedWriteCopiesOnItsOwnThreadAndIsDoneOnReturn() throws Exception {
        Setup s = setup(OnCbwError.BREAK_SNAPSHOT, 45, 1L << 20);
        byte[] old = s.image().read(SIZE - K64, 4096);
        s.backup().start();
        s.fleece().stall(FaultNode.Kind.WRITE, Duration.ofMillis(300));
        CompletableFuture<Void> written = new CompletableFuture<>();
        Thread request = submit(s, written);
        assertThat(s.fleece().awaitStalled(FaultNode.Kind.WRITE, 1, Duration.ofSeconds(10))).isTrue();
        assertThat(request.getStackTrace()).as("the copy runs on the request's thread")
                .anyMatch(f -> f.getClassName().equals(FaultNode.class.getName()));
        request.join(10_000);
        assertThat(written).as("complete when the request's thread returns").isCompleted();
        CbwFilter cbw = (CbwFilter) s.seat().delegate();
        assertThat(cbw.copiedBeforeWrite()).isEqualTo(1);
        assertThat(s.image().read(SIZE - K64, 4096)).isEqualTo(block(0x42));
        s.backup().setSpeed(0);
        GuestBackup.Result r = s.backup().await(20, TimeUnit.SECONDS);
        assertThat(r.state()).as("%s", r.error()).isEqualTo(JobState.COMPLETED);
        assertThat(s.target().read(SIZE - K64, 4096)).as("the backup has the old data").isEqualTo(old);
    }

    /// A guest write of 0x42 to the last cluster, submitted from a thread of its own.
    private static Thread submit(Setup s, CompletableFuture<Void> written) {
        return Thread.ofPlatform().name("request").start(() ->
                s.seat().submitWrite(SIZE - K64, ByteBuffer.wrap(block(0x42)), false, written));
    }
}
