package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.FaultNode.Kind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/// The contract with no fault set, and each fault.
class FaultNodeTest extends BlockNodeContractTest {
    private static final int MIB = 1 << 20;
    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @Override
    protected BlockNode newNode(long size) {
        return new FaultNode(new MemoryNode(size));
    }

    @Test
    void writesFailWithNoSpaceOnceTheBudgetIsUsedUpAndWriteNothing() throws IOException {
        MemoryNode inner = new MemoryNode(MIB);
        FaultNode f = new FaultNode(inner);
        f.failWritesWithNoSpaceAfter(100_000);
        f.write(0, pattern(65536, 61));
        assertThatThrownBy(() -> f.write(65536, pattern(65536, 62))).isInstanceOf(NoSpaceException.class)
                .hasMessageContaining("no space left on memory node");
        assertThat(inner.read(65536, 65536)).as("the refused write wrote nothing").containsOnly(0);
        byte[] small = pattern(30_000, 63);
        f.write(65536, small);
        assertThat(inner.read(65536, small.length)).as("what still fits is written").isEqualTo(small);
        assertThatThrownBy(() -> f.write(131072, new byte[8192])).isInstanceOf(NoSpaceException.class);
        f.writeZeroes(0, 65536, true);
        f.discard(0, 65536);
        f.clearNoSpace();
        f.write(131072, pattern(256 * 1024, 64));
        assertThat(inner.read(131072, 256 * 1024)).isEqualTo(pattern(256 * 1024, 64));
    }

    @Test
    void aWriteThatFailsBelowGivesItsBudgetBack() throws IOException {
        FaultNode below = new FaultNode(new MemoryNode(MIB));
        FaultNode f = new FaultNode(below);
        f.failWritesWithNoSpaceAfter(65536);
        below.fail(Kind.WRITE, "medium error");
        assertThatThrownBy(() -> f.write(0, new byte[65536])).hasMessageContaining("medium error");
        below.heal(Kind.WRITE);
        f.write(0, new byte[65536]);
        assertThatThrownBy(() -> f.write(0, new byte[1])).isInstanceOf(NoSpaceException.class);
    }

    @Test
    void eachKindFailsAloneUntilHealed() throws IOException {
        MemoryNode inner = new MemoryNode(MIB);
        inner.write(0, pattern(4096, 65));
        FaultNode f = new FaultNode(inner);
        Map<Kind, Executable> ops = Map.of(
                Kind.READ, () -> f.read(0, 4096),
                Kind.WRITE, () -> f.write(8192, new byte[4096]),
                Kind.WRITE_ZEROES, () -> f.writeZeroes(0, 4096, false),
                Kind.DISCARD, () -> f.discard(0, 4096),
                Kind.FLUSH, f::flush,
                Kind.BLOCK_STATUS, () -> f.blockStatus(0, 4096));
        for (Kind broken : Kind.values()) {
            f.fail(broken, "disk on fire");
            for (Kind k : Kind.values()) {
                inner.write(0, pattern(4096, 65));
                if (k == broken) {
                    assertThatThrownBy(ops.get(k)::execute).as("%s while %s fails", k, broken)
                            .isInstanceOf(IOException.class).isNotInstanceOf(NoSpaceException.class)
                            .hasMessageContaining("disk on fire").hasMessageContaining(broken.toString());
                    assertThat(inner.read(0, 4096)).as("a failed %s changed nothing", k).isEqualTo(pattern(4096, 65));
                } else {
                    assertDoesNotThrow(ops.get(k), k + " while " + broken + " fails");
                }
            }
            f.heal(broken);
            assertDoesNotThrow(ops.get(broken), broken + " after healing");
        }
        assertThatThrownBy(() -> f.fail(Kind.READ, " ")).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertDoesNotThrow(Executable op, String what) {
        try {
            op.execute();
        } catch (Throwable t) {
            throw new AssertionError(what + " threw " + t, t);
        }
    }

    @Test
    void stalledWritesWaitUntilReleasedWhileReadsGoOn() throws Exception {
        MemoryNode inner = new MemoryNode(MIB);
        FaultNode f = new FaultNode(inner);
        f.stall(Kind.WRITE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        byte[] data = pattern(4096, 66);
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            writers.add(Background.write(f, i * 4096L, data, failure));
        }
        assertThat(f.awaitStalled(Kind.WRITE, 3, GENEROUS)).isTrue();
        assertThat(f.read(0, 4096)).as("reads pass a write stall; stalled writes have not landed").containsOnly(0);
        assertThat(writers).allMatch(Thread::isAlive);
        f.release(Kind.WRITE);
        for (Thread w : writers) {
            w.join(GENEROUS);
            assertThat(w.isAlive()).isFalse();
        }
        assertThat(failure.get()).isNull();
        assertThat(f.stalledRequests(Kind.WRITE)).isZero();
        assertThat(inner.read(8192, 4096)).isEqualTo(data);
    }

    @Test
    void aTimedStallEndsByItself() throws Exception {
        FaultNode f = new FaultNode(new MemoryNode(MIB));
        f.stall(Kind.WRITE, Duration.ofMillis(300));
        long start = System.nanoTime();
        f.write(0, new byte[512]);
        assertThat(System.nanoTime() - start).as("the write waited out the stall")
                .isGreaterThanOrEqualTo(Duration.ofMillis(290).toNanos());
        assertThatThrownBy(() -> f.stall(Kind.READ, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stalledRequestsCanBeInterruptedAndFailOnClose() throws Exception {
        MemoryNode inner = new MemoryNode(MIB);
        FaultNode f = new FaultNode(inner);
        f.stall(Kind.WRITE);
        AtomicReference<Throwable> interrupted = new AtomicReference<>();
        Thread a = Background.write(f, 0, pattern(512, 67), interrupted);
        assertThat(f.awaitStalled(Kind.WRITE, 1, GENEROUS)).isTrue();
        a.interrupt();
        a.join(GENEROUS);
        assertThat(interrupted.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(inner.read(0, 512)).as("the interrupted write did not land").containsOnly(0);

        AtomicReference<Throwable> closed = new AtomicReference<>();
        Thread b = Background.write(f, 0, pattern(512, 68), closed);
        assertThat(f.awaitStalled(Kind.WRITE, 1, GENEROUS)).isTrue();
        f.close();
        b.join(GENEROUS);
        assertThat(closed.get()).isInstanceOf(IOException.class).hasMessageContaining("fault injector")
                .hasMessageContaining("closed");
    }

    @Test
    void requestsAreCountedByKindFaultyOrNot() throws IOException {
        FaultNode f = new FaultNode(new MemoryNode(MIB));
        f.write(0, new byte[512]);
        f.write(512, ByteBuffer.allocate(512), true);
        f.read(0, 512);
        f.fail(Kind.FLUSH, "no flush today");
        assertThatThrownBy(f::flush).isInstanceOf(IOException.class);
        f.discard(0, 512);
        assertThatThrownBy(() -> f.read(MIB, 512)).as("refused arguments are not counted")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(f.requests(Kind.WRITE)).isEqualTo(2);
        assertThat(f.requests(Kind.READ)).isEqualTo(1);
        assertThat(f.requests(Kind.FLUSH)).isEqualTo(1);
        assertThat(f.requests(Kind.DISCARD)).isEqualTo(1);
        assertThat(f.requests(Kind.WRITE_ZEROES)).isZero();
        f.clearFaults();
        f.flush();
        assertThat(f.requests(Kind.FLUSH)).isEqualTo(2);
    }
}
