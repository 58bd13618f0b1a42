package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static dev.shear.nbd.NbdProtocol.ENOSPC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.FilterNode;
import dev.shear.block.MemoryNode;
import dev.shear.block.NoSpaceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/// A WRITE whose node finishes it on another thread while the request's own thread is still held
/// (a copy-before-write past `cbw-timeout`, decision 0019): the reply leaves when the write is
/// done, not when the held thread comes back.
class NbdSubmitWriteTest extends ServerTestBase {
    /// Holds every submitting thread until `release`; a thread of its own writes and completes.
    private static final class HandOverNode extends FilterNode {
        final CountDownLatch release = new CountDownLatch(1);
        volatile IOException failWith;
        volatile Thread held;

        final MemoryNode memory;

        HandOverNode(MemoryNode inner) {
            super(inner);
            this.memory = inner;
        }

        @Override
        public String describe() {
            return "hand-over test node";
        }

        @Override
        public void submitWrite(long offset, ByteBuffer src, boolean fua, CompletableFuture<Void> done) {
            held = Thread.currentThread();
            Thread.ofPlatform().start(() -> {
                try {
                    if (failWith != null) {
                        throw failWith;
                    }
                    inner.write(offset, src, fua);
                    done.complete(null);
                } catch (IOException e) {
                    done.completeExceptionally(e);
                }
            });
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private HandOverNode late;

    @AfterEach
    void letHeldThreadsGo() {
        late.release.countDown();
    }

    @BeforeEach
    void addExport() {
        late = new HandOverNode(new MemoryNode("late", MIB, 65536));
        registry.add(new NbdExport("late", late, false, "writes finished by another thread"));
    }

    @Test
    void theReplyLeavesWhenTheWriteIsDoneWhileItsThreadIsStillHeld() throws Exception {
        try (RawNbdClient c = RawNbdClient.open(server, "late", true)) {
            byte[] data = pattern(4096, 7);
            assertThat(c.write(8192, data, 0)).as("write error").isZero();
            assertThat(late.held).as("the request's thread").isNotNull();
            await(() -> late.held.getState() == Thread.State.WAITING, "the request's thread is held");
            assertThat(late.release.getCount()).as("and not let go").isOne();
            assertThat(late.memory.read(8192, 4096)).isEqualTo(data);
            late.failWith = new NoSpaceException("fleecing storage full (test)");
            long cookie = c.request(0, CMD_WRITE, 0, 4096, data);
            assertThat(c.readStatus(cookie)).as("the failure travels with the late completion").isEqualTo(ENOSPC);
        }
    }

    @Test
    void aLateWritesRoomInTheConnectionsLimitComesBackWithItsReply() throws Exception {
        // one request in flight at most: the second is read only once the first one's room is back,
        // which must not wait for the held thread
        try (RawNbdClient c = RawNbdClient.open(server, "late", true)) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.write(i * 4096L, pattern(4096, i), 0)).as("write %d", i).isZero();
            }
        }
    }

    @Override
    NbdServer.Limits limits() {
        NbdServer.Limits d = NbdServer.Limits.DEFAULT;
        return new NbdServer.Limits(1, d.maxInFlightBytes(), d.maxPayload(), d.drainGrace(), d.handshakeTimeout());
    }
}
