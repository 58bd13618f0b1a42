package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/// The contract with no limit, and the throttle's behaviour. Timing assertions are lower bounds
/// the algorithm guarantees, or generous "it did not wait forever" bounds; never upper bounds on
/// how fast the machine is.
class ThrottleNodeTest extends BlockNodeContractTest {
    private static final int MIB = 1 << 20;
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @Override
    protected BlockNode newNode(long size) {
        return new ThrottleNode(new MemoryNode(size), 0);
    }

    /// A throttle whose bucket owes ~64 s of traffic: the next data request waits that long.
    private static ThrottleNode indebted(BlockNode inner) throws IOException {
        ThrottleNode t = new ThrottleNode(inner, 1024);
        t.write(0, new byte[64 * 1024]);
        t.write(64 * 1024, new byte[64 * 1024]);
        return t;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /// Starts `n` writers of 64 KiB blocks from block `first` on, one at a time, each once the one
    /// before it waits in `t`'s queue.
    private static List<Thread> queueWriters(ThrottleNode t, int n, long first, AtomicReference<Throwable> failure)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long off = (first + i) * 64 * 1024;
            threads.add(Background.write(t, off, pattern(64 * 1024, off), failure));
            int queued = i + 1;
            await(queued + " writers wait", () -> t.waitingRequests() == queued);
        }
        return threads;
    }

    @Test
    void oneMiBPerSecondAdmitsNoMoreThanTheBucketAllows() throws IOException {
        MemoryNode inner = new MemoryNode(8L * MIB);
        ThrottleNode t = new ThrottleNode(inner, MIB);
        int request = 64 * 1024;
        long total = 3L * MIB;
        byte[] data = pattern((int) total, 51);
        long start = System.nanoTime();
        for (int off = 0; off < total; off += request) {
            t.write(off, ByteBuffer.wrap(data, off, request), false);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double bound = (double) (total - t.burstBytes() - request) / MIB;
        assertThat(bound).isGreaterThan(2.8);
        assertThat(seconds).as("3 MiB at 1 MiB/s (burst %d)", t.burstBytes()).isGreaterThanOrEqualTo(bound * 0.99);
        assertThat(inner.read(0, (int) total)).isEqualTo(data);
    }

    @Test
    void liftingOrRaisingTheLimitReleasesAWaitingWriterPromptly() throws Exception {
        for (long newRate : new long[] {0, 1L << 30}) {
            MemoryNode inner = new MemoryNode(MIB);
            ThrottleNode t = indebted(inner);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            byte[] data = pattern(4096, 52);
            Thread w = Background.write(t, 512 * 1024, data, failure);
            await("the writer waits", () -> t.waitingRequests() == 1);
            assertThat(inner.read(512 * 1024, 4096)).as("a waiting write has not reached the node").containsOnly(0);
            t.setBytesPerSecond(newRate);
            w.join(GENEROUS);
            assertThat(w.isAlive()).as("writer released by rate %d instead of waiting ~60 s", newRate).isFalse();
            assertThat(failure.get()).isNull();
            assertThat(inner.read(512 * 1024, 4096)).isEqualTo(data);
            assertThat(t.bytesPerSecond()).isEqualTo(newRate);
        }
    }

    @Test
    void waitingRequestsAreAdmittedInArrivalOrder() throws Exception {
        MemoryNode inner = new MemoryNode(MIB);
        List<Long> order = Collections.synchronizedList(new ArrayList<>());
        FilterNode recorder = new FilterNode(inner) {
            @Override
            public String describe() {
                return "recorder";
            }

            @Override
            public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
                order.add(offset);
                super.write(offset, src, fua);
            }
        };
        ThrottleNode fair = indebted(recorder);
        order.clear();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = queueWriters(fair, 4, 4, failure);
        fair.setBytesPerSecond(MIB);
        for (Thread th : threads) {
            th.join(GENEROUS);
        }
        assertThat(failure.get()).isNull();
        assertThat(order).containsExactly(4L * 65536, 5L * 65536, 6L * 65536, 7L * 65536);
    }

    @Test
    void onlyTheOldestWaiterIsWokenWhenItsTurnMayHaveCome() throws Exception {
        ThrottleNode t = indebted(new MemoryNode(MIB));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = queueWriters(t, 8, 2, failure);
        t.setBytesPerSecond(16L * MIB);
        for (Thread th : threads) {
            th.join(GENEROUS);
        }
        assertThat(failure.get()).isNull();
        assertThat(t.waitingRequests()).isZero();
        // waking every waiter at each admission (the old signalAll) woke 7 + 6 + ... + 1 = 28
        // writers whose turn had not come
        assertThat(t.wakeUpsNotTheirTurn()).isZero();
    }

    @Test
    void zeroesDiscardFlushAndBlockStatusAreNotThrottled() throws IOException {
        MemoryNode inner = new MemoryNode(MIB);
        ThrottleNode t = indebted(inner);
        assertTimeoutPreemptively(GENEROUS, () -> {
            t.writeZeroes(0, 64 * 1024, true);
            t.discard(64 * 1024, 64 * 1024);
            t.flush();
            t.blockStatus(0, MIB);
            t.write(0, new byte[0]);
        }, "only reads and writes wait for the bucket");
    }

    @Test
    void anInterruptedWaiterGivesUpWithoutTouchingTheNode() throws Exception {
        MemoryNode inner = new MemoryNode(MIB);
        ThrottleNode t = indebted(inner);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread w = Background.write(t, 512 * 1024, pattern(4096, 53), failure);
        await("the writer waits", () -> t.waitingRequests() == 1);
        w.interrupt();
        w.join(GENEROUS);
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class).hasMessageContaining("throttle");
        assertThat(t.waitingRequests()).isZero();
        assertThat(inner.read(512 * 1024, 4096)).containsOnly(0);
    }

    @Test
    void closingFailsWaitingRequests() throws Exception {
        MemoryNode inner = new MemoryNode(MIB);
        ThrottleNode t = indebted(inner);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread w = Background.write(t, 512 * 1024, pattern(4096, 54), failure);
        await("the writer waits", () -> t.waitingRequests() == 1);
        t.close();
        w.join(GENEROUS);
        assertThat(failure.get()).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> inner.read(0, 512)).as("the inner node is closed too").isInstanceOf(IOException.class);
    }

    @Test
    void aNegativeRateIsRefusedAndChangesNothing() {
        ThrottleNode t = new ThrottleNode(new MemoryNode(MIB), 5 * MIB);
        assertThatThrownBy(() -> t.setBytesPerSecond(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1").hasMessageContaining("throttle rate");
        assertThat(t.bytesPerSecond()).isEqualTo(5L * MIB);
        assertThat(t.describe()).contains("5.0 MiB/s").contains("memory node");
        assertThatThrownBy(() -> new ThrottleNode(new MemoryNode(MIB), -5)).isInstanceOf(IllegalArgumentException.class);
    }
}
