package dev.shear.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.block.FaultNode;
import dev.shear.block.FilterNode;
import dev.shear.block.MemoryNode;
import dev.shear.util.Futures;
import dev.shear.util.ThreadStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/// Copy-before-write with write-behind (decision 0023): guest writes are acknowledged before their
/// copy, and the filter still behaves like a disk with a volatile write cache. The fleecing image's
/// writes are stalled to hold a copy (and so its guest write) pending.
class WriteBehindTest {
    private static final int K = 1024;
    private static final long SIZE = 4L << 20;
    private static final byte OLD = 0x11;
    /// How long a request that must wait is watched before it counts as waiting.
    private static final long WATCH_MS = 300;

    private final MemoryNode disk = new MemoryNode("disk", SIZE, 64 * K);
    private final FaultNode faultyDisk = new FaultNode(disk);
    private final FaultNode fleece = new FaultNode(new MemoryNode("fleece", SIZE, 64 * K));

    WriteBehindTest() throws IOException {
        byte[] old = new byte[(int) SIZE];
        Arrays.fill(old, OLD);
        disk.write(0, old);                      // data everywhere: every copy writes the fleecing image
    }

    private CbwFilter filter(long writeBehind) {
        return new CbwFilter(BlockCopy.create(faultyDisk, fleece, CopyOptions.defaults(), null),
                OnCbwError.BREAK_SNAPSHOT, 0, writeBehind);
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /// Runs `work` on another thread.
    private static CompletableFuture<Void> async(Work work) {
        return CompletableFuture.runAsync(() -> {
            try {
                work.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @FunctionalInterface
    private interface Work {
        void run() throws IOException;
    }

    private void holdCopies() {
        fleece.stall(FaultNode.Kind.WRITE);
    }

    /// Holds copies, writes 4 KiB of 0x22 at 0 through `node` (acknowledged at once), and waits
    /// until its copy is held in the fleecing image.
    private void acknowledgedWithItsCopyHeld(BlockNode node) throws Exception {
        holdCopies();
        assertDone(async(() -> node.write(0, ByteBuffer.wrap(filled(4 * K, 0x22)), false)));
        assertThat(fleece.awaitStalled(FaultNode.Kind.WRITE, 1, Duration.ofSeconds(10)))
                .as("a copy reached the fleecing image").isTrue();
    }

    private static void assertWaiting(CompletableFuture<?> f, String what) throws InterruptedException {
        Thread.sleep(WATCH_MS);
        assertThat(f).as(what + " waits").isNotDone();
    }

    private static void assertDone(CompletableFuture<?> f) throws Exception {
        f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWriteIsAcknowledgedBeforeItsCopyAndReadsSeeIt() throws Exception {
        CbwFilter cbw = filter(1L << 20);
        SnapshotAccessNode snapshot = new SnapshotAccessNode(cbw);
        acknowledgedWithItsCopyHeld(cbw);
        assertThat(cbw.writeBehind().held()).isEqualTo(4 * K);
        assertThat(disk.read(0, 4 * K)).as("not on the disk yet: its copy is held").containsOnly(OLD);
        assertThat(snapshot.read(0, 64 * K)).as("the point in time").containsOnly(OLD);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return cbw.read(0, 8 * K);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertWaiting(read, "a read of the pending write");
        fleece.release(FaultNode.Kind.WRITE);
        byte[] seen = read.get(10, TimeUnit.SECONDS);
        assertThat(Arrays.copyOfRange(seen, 0, 4 * K)).as("the guest reads what it wrote").containsOnly(0x22);
        assertThat(Arrays.copyOfRange(seen, 4 * K, 8 * K)).containsOnly(OLD);
        cbw.quiesce();
        assertThat(cbw.writeBehind()).isEqualTo(new WriteBehindStats(0, 4 * K, 0));
        assertThat(disk.read(0, 4 * K)).containsOnly(0x22);
        assertThat(snapshot.read(0, 64 * K)).as("the old data went to the fleecing image first").containsOnly(OLD);
        assertThat(cbw.copiedBeforeWrite()).isEqualTo(1);
    }

    @Test
    void overlappingWritesLandInOrderAndAFlushWaitsForEveryEarlierWrite() throws Exception {
        CbwFilter cbw = filter(1L << 20);
        acknowledgedWithItsCopyHeld(cbw);
        CompletableFuture<Void> overlapping = async(() -> cbw.write(2 * K, ByteBuffer.wrap(filled(4 * K, 0x33)), false));
        assertWaiting(overlapping, "a write over a pending one");
        assertDone(async(() -> cbw.write(1L << 20, ByteBuffer.wrap(filled(4 * K, 0x44)), false)));
        CompletableFuture<Void> flush = async(cbw::flush);
        assertWaiting(flush, "a flush behind pending writes");
        fleece.release(FaultNode.Kind.WRITE);
        assertDone(overlapping);
        assertDone(flush);
        cbw.quiesce();
        assertThat(disk.read(0, 2 * K)).containsOnly(0x22);
        assertThat(disk.read(2 * K, 4 * K)).as("the later write wins").containsOnly(0x33);
        assertThat(disk.read(1L << 20, 4 * K)).containsOnly(0x44);
    }

    @Test
    void aFuaWriteAndAWriteBeyondTheBudgetWaitForTheirCopy() throws Exception {
        CbwFilter cbw = filter(8 * K);
        holdCopies();
        CompletableFuture<Void> large = async(() -> cbw.write(0, ByteBuffer.wrap(filled(16 * K, 0x22)), false));
        CompletableFuture<Void> fua = async(() -> cbw.write(1L << 20, ByteBuffer.wrap(filled(4 * K, 0x33)), true));
        assertWaiting(large, "a write larger than the budget");
        assertWaiting(fua, "a FUA write");
        assertThat(cbw.writeBehind()).isEqualTo(new WriteBehindStats(0, 0, 1));
        fleece.release(FaultNode.Kind.WRITE);
        assertDone(large);
        assertDone(fua);
        assertThat(disk.read(0, 16 * K)).containsOnly(0x22);
        assertThat(disk.read(1L << 20, 4 * K)).containsOnly(0x33);
    }

    @Test
    void aWriteThatFailsAfterItsAcknowledgementFailsTheNextFlushOnceAndLaterWritesFailThemselves() throws Exception {
        CbwFilter cbw = filter(1L << 20);
        faultyDisk.fail(FaultNode.Kind.WRITE, "disk unplugged");
        cbw.write(0, ByteBuffer.wrap(filled(4 * K, 0x22)), false);             // acknowledged
        assertThatThrownBy(cbw::flush).isInstanceOf(IOException.class)
                .hasMessageContaining("acknowledged earlier failed").hasMessageContaining("disk unplugged");
        cbw.flush();                                                           // reported once
        assertThatThrownBy(() -> cbw.write(64 * K, ByteBuffer.wrap(filled(4 * K, 0x33)), false))
                .as("after a failure, writes go the synchronous way").hasMessageContaining("disk unplugged");
        assertThat(cbw.writeBehind().held()).isZero();
    }

    @Test
    void drainingTheSeatWaitsForAcknowledgedWrites() throws Exception {
        CbwFilter cbw = filter(1L << 20);
        DrainableNode seat = new DrainableNode(cbw);
        acknowledgedWithItsCopyHeld(seat);
        CompletableFuture<DrainableNode.Drained> drained = CompletableFuture.supplyAsync(seat::drain);
        assertWaiting(drained, "a drain behind a pending write");
        fleece.release(FaultNode.Kind.WRITE);
        drained.get(10, TimeUnit.SECONDS).close();
        assertThat(disk.read(0, 4 * K)).containsOnly(0x22);
    }

    @Test
    void aFailureNoFlushReportedBeforeTheFilterLeftTheSeatFailsTheSeatsNextFlush() throws Exception {
        // review of a90d7c4: the guest must learn of a lost acknowledged write even when the
        // backup ends (and takes the filter out of its path) before the guest's next flush
        CbwFilter cbw = filter(1L << 20);
        DrainableNode seat = new DrainableNode(faultyDisk);
        try (DrainableNode.Drained d = seat.drain()) {
            d.replace(cbw);
        }
        faultyDisk.fail(FaultNode.Kind.WRITE, "disk unplugged");
        seat.write(0, filled(4 * K, 0x22));                                    // acknowledged
        try (DrainableNode.Drained d = seat.drain()) {                           // the backup ends
            d.replace(faultyDisk);
        }
        cbw.close();
        faultyDisk.heal(FaultNode.Kind.WRITE);
        assertThatThrownBy(seat::flush).isInstanceOf(IOException.class)
                .hasMessageContaining("acknowledged earlier failed").hasMessageContaining("disk unplugged");
        seat.flush();                                                          // reported once
    }

    @Test
    void aWriteWhoseBackgroundThreadCannotStartTakesTheSynchronousPath() throws Exception {
        // review of a90d7c4: a write queued for a thread that never started would stay pending
        // for ever (and a drain with it)
        WriteBehind behind = new WriteBehind((offset, data, done) -> Futures.complete(done, () -> disk.write(offset, data, false)),
                1L << 20, "test",
                work -> {
                    throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
                });
        assertThat(behind.take(0, ByteBuffer.wrap(filled(4 * K, 0x44)), false)).as("taken").isFalse();
        assertThat(behind.stats().held()).isZero();
        CompletableFuture<Void> idle = async(behind::awaitIdle);
        idle.get(5, TimeUnit.SECONDS);
        behind.barrier();
    }

    @Test
    void aRequestWaitingForPendingWritesHasThemCarriedOutAtTheGuestsPriority() throws Exception {
        // review of c3bdf78: a flush, an overlapping request or a drain waited for background
        // workers that a busy CPU may starve; here they never run at all
        List<Runnable> starved = Collections.synchronizedList(new ArrayList<>());
        Set<String> writers = ConcurrentHashMap.newKeySet();
        WriteBehind behind = new WriteBehind((offset, data, done) -> {
            writers.add(Thread.currentThread().getName());
            Futures.complete(done, () -> disk.write(offset, data, false));
        }, 1L << 20, "test", starved::add);
        int writes = 3 * WriteBehind.WORKERS;
        for (int i = 0; i < writes; i++) {
            assertThat(behind.take(i * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x21)), false)).as("taken").isTrue();
        }
        assertThat(starved).as("background workers asked for, none ran").hasSize(WriteBehind.WORKERS);
        async(behind::barrier).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < writes; i++) {
            assertThat(disk.read(i * 64L * K, 4 * K)).as("write " + i).containsOnly(0x21);
        }
        // an overlapping read's wait and a drain's are hurried the same way
        assertThat(behind.take(0, ByteBuffer.wrap(filled(4 * K, 0x22)), false)).isTrue();
        async(() -> behind.awaitClear(0, 4 * K)).get(10, TimeUnit.SECONDS);
        assertThat(disk.read(0, 4 * K)).containsOnly(0x22);
        assertThat(behind.take(64L * K, ByteBuffer.wrap(filled(4 * K, 0x23)), false)).isTrue();
        async(behind::awaitIdle).get(10, TimeUnit.SECONDS);
        assertThat(disk.read(64L * K, 4 * K)).containsOnly(0x23);
        assertThat(writers).as("threads that carried the writes out").isNotEmpty()
                .allMatch(n -> n.startsWith("shear-io-helper-"));
        assertThat(ThreadStats.nices("shear-io-helper")).as("their nice values").containsOnly(ThreadStats.nice());
    }

    @Test
    void threadsAtTheGuestsPriorityStopTakingWritesOnceNoRequestWaits() throws Exception {
        // review of 442a0ec: they went on until the queue was empty, which under steady guest
        // writes undid decision 0024. Each write takes 20 ms; the flush waits for the first 24,
        // and 30 written while it waits must be left to the (here starved) background workers,
        // but for the few taken in the moment the flush is let go.
        List<Runnable> starved = Collections.synchronizedList(new ArrayList<>());
        WriteBehind behind = new WriteBehind((offset, data, done) -> Futures.complete(done, () -> {
            LockSupport.parkNanos(20_000_000);
            disk.write(offset, data, false);
        }), 1L << 20, "test", starved::add);
        for (int i = 0; i < 24; i++) {
            assertThat(behind.take(i * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x31)), false)).isTrue();
        }
        CompletableFuture<Void> flushed = async(behind::barrier);
        while (behind.waiting() == 0) {
            Thread.sleep(1);                                   // the flush counts 24 writes
        }
        for (int i = 24; i < 54; i++) {
            assertThat(behind.take(i * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x32)), false)).isTrue();
        }
        flushed.get(10, TimeUnit.SECONDS);
        Thread.sleep(300);
        assertThat(behind.stats().held()).as("written after the flush began, still pending")
                .isGreaterThanOrEqualTo(30 * 4 * K - WriteBehind.WORKERS * 4 * K);
        async(behind::awaitIdle).get(10, TimeUnit.SECONDS);
        assertThat(disk.read(53 * 64L * K, 4 * K)).containsOnly(0x32);
    }

    @Test
    void buffersOfLandedWritesAreReusedAndEveryWriteLandsWithItsOwnData() throws Exception {
        WriteBehind behind = new WriteBehind((offset, data, done) -> Futures.complete(done,
                () -> disk.write(offset, data, false)), 1L << 20, "test");
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 8; i++) {
                int length = (1 + i % 4) * 4 * K;            // four lengths, each pooled apart
                assertThat(behind.take(i * 64L * K, ByteBuffer.wrap(filled(length, round * 8 + i)), false)).isTrue();
            }
            behind.barrier();
            for (int i = 0; i < 8; i++) {
                assertThat(disk.read(i * 64L * K, (1 + i % 4) * 4 * K)).as("round %d write %d", round, i)
                        .containsOnly((byte) (round * 8 + i));
            }
        }
        assertThat(behind.pooled()).as("arrays kept for reuse, at most 8 in flight at once").isBetween(4, 8);
        assertThat(behind.take(0, ByteBuffer.wrap(filled(3000, 1)), false)).as("odd lengths are not pooled").isTrue();
        behind.awaitIdle();
        assertThat(behind.pooled()).isBetween(4, 8);
    }

    @Test
    void atMostEightBackgroundThreadsCarryPendingWritesOut() throws Exception {
        Set<String> writers = ConcurrentHashMap.newKeySet();
        BlockNode recording = new FilterNode(fleece) {
            @Override
            public String describe() {
                return "recording " + inner.describe();
            }

            @Override
            public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
                writers.add(Thread.currentThread().getName());
                super.write(offset, src, fua);
            }
        };
        CbwFilter cbw = new CbwFilter(BlockCopy.create(faultyDisk, recording, CopyOptions.defaults(), null),
                OnCbwError.BREAK_SNAPSHOT, 30, 4L << 20);
        holdCopies();
        for (int i = 0; i < 48; i++) {
            cbw.write(i * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x55)), false);   // acknowledged, queued
        }
        assertThat(fleece.awaitStalled(FaultNode.Kind.WRITE, WriteBehind.WORKERS, Duration.ofSeconds(10))).isTrue();
        fleece.release(FaultNode.Kind.WRITE);
        cbw.flush();
        assertThat(disk.read(47 * 64L * K, 4 * K)).containsOnly(0x55);
        // the flush waiting for the rest has up to as many threads at the guest's priority join in
        assertThat(writers).as("threads that copied old data").isNotEmpty()
                .allMatch(n -> n.startsWith("shear-background-") || n.startsWith("shear-io-helper-"));
        assertThat(writers.stream().filter(n -> n.startsWith("shear-background-"))).as("background threads")
                .hasSizeBetween(1, WriteBehind.WORKERS);
        assertThat(writers.stream().filter(n -> n.startsWith("shear-io-helper-"))).as("threads for the flush")
                .hasSizeLessThanOrEqualTo(WriteBehind.WORKERS);
    }

    @Test
    void pendingWritesGoOnWhenEveryWorkerIsHeldInAHungCopy() throws Exception {
        // cbw-timeout 1 s: each held worker's write is finished by a helper, and new workers take
        // the writes queued behind them while the held ones stay in the hung fleecing image
        CbwFilter cbw = new CbwFilter(BlockCopy.create(faultyDisk, fleece, CopyOptions.defaults(), null),
                OnCbwError.BREAK_SNAPSHOT, 1, 4L << 20);
        holdCopies();
        int writes = WriteBehind.WORKERS + 4;
        for (int i = 0; i < writes; i++) {
            cbw.write(i * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x66)), false);
        }
        CompletableFuture<Void> flushed = async(cbw::flush);
        try {
            flushed.get(15, TimeUnit.SECONDS);
            for (int i = 0; i < writes; i++) {
                assertThat(disk.read(i * 64L * K, 4 * K)).as("write " + i).containsOnly(0x66);
            }
            assertThat(cbw.snapshotError()).as("the snapshot broke").isNotNull();
            // the held workers no longer count: a write accepted now is carried out too (review)
            cbw.write(writes * 64L * K, ByteBuffer.wrap(filled(4 * K, 0x77)), false);
            async(cbw::flush).get(15, TimeUnit.SECONDS);
            assertThat(disk.read(writes * 64L * K, 4 * K)).containsOnly(0x77);
        } finally {
            fleece.release(FaultNode.Kind.WRITE);
        }
    }

    @Test
    void writeBehindNeedsBreakSnapshot() {
        BlockCopy copy = BlockCopy.create(disk, fleece, CopyOptions.defaults(), null);
        assertThatThrownBy(() -> new CbwFilter(copy, OnCbwError.BREAK_GUEST_WRITE, 0, 1L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("write-behind needs on-cbw-error=break-snapshot: under break-guest-write a failed copy "
                        + "must fail its guest write");
        assertThatThrownBy(() -> new CbwFilter(copy, OnCbwError.BREAK_SNAPSHOT, 0, -1))
                .hasMessage("write-behind must not be negative: -1");
    }
}
