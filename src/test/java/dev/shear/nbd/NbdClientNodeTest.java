package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockStatus;
import dev.shear.block.NoSpaceException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/// [NbdClientNode] against our own server ("disk": a writable [TestNode] of 4 MiB, "ro": a
/// read-only one), which here accepts payloads of at most 64 KiB (so larger requests must be
/// split) and closes connections under in-flight requests at once (so a dying server can be
/// staged with a gated node).
class NbdClientNodeTest extends ServerTestBase {
    private static final int MAX_PAYLOAD = 64 * 1024;

    @Override
    NbdServer.Limits limits() {
        return new NbdServer.Limits(64, 64L << 20, MAX_PAYLOAD, Duration.ZERO, Duration.ofSeconds(60));
    }

    private NbdClientNode connect(String export) throws IOException {
        return NbdClientNode.connect(server.uri(export));
    }

    @Test
    void writesZeroesTrimsAndFlushesReachTheServersNodeWithTheirFlags() throws IOException {
        try (NbdClientNode n = connect("disk")) {
            assertThat(n.size()).isEqualTo(4L * MIB);
            n.write(0, ByteBuffer.wrap(pattern(8192, 1)), false);
            n.write(8192, ByteBuffer.wrap(pattern(4096, 2)), true);
            assertThat(disk.fuaWrites.get()).as("FUA travels as NBD_CMD_FLAG_FUA").isEqualTo(1);
            n.writeZeroes(1024, 1024, false);
            n.writeZeroes(3000, 100, true);
            assertThat(disk.zeroesWithoutUnmap.get()).as("NO_HOLE when !mayUnmap").isEqualTo(1);
            assertThat(disk.zeroesWithUnmap.get()).isEqualTo(1);
            n.write(MIB, ByteBuffer.wrap(pattern(MIB, 3)), false);
            n.discard(MIB, MIB);
            assertThat(disk.discards.get()).isEqualTo(1);
            int flushes = disk.flushes.get();
            n.flush();
            assertThat(disk.flushes.get()).isEqualTo(flushes + 1);

            byte[] expect = pattern(8192, 1);
            Arrays.fill(expect, 1024, 2048, (byte) 0);
            Arrays.fill(expect, 3000, 3100, (byte) 0);
            assertThat(disk.inner.read(0, 8192)).isEqualTo(expect);
            assertThat(n.read(0, 8192)).isEqualTo(expect);
            assertThat(n.read(8192, 4096)).isEqualTo(pattern(4096, 2));
            assertThat(n.read(MIB, MIB)).as("the memory node drops discarded chunks").containsOnly(0);
        }
    }

    @Test
    void readsFillTheBufferFromItsPositionAndAdvanceIt() throws IOException {
        disk.inner.write(100, pattern(50, 4));
        try (NbdClientNode n = connect("disk")) {
            ByteBuffer buf = ByteBuffer.allocateDirect(80).position(10).limit(60);
            n.read(100, buf);
            assertThat(buf.position()).isEqualTo(60);
            byte[] got = new byte[50];
            buf.get(10, got);
            assertThat(got).isEqualTo(pattern(50, 4));
            assertThatThrownBy(() -> n.read(0, ByteBuffer.allocate(10).asReadOnlyBuffer()))
                    .isInstanceOf(ReadOnlyBufferException.class);
            assertThat(n.read(100, 50)).as("the connection is unharmed").isEqualTo(pattern(50, 4));
            ByteBuffer src = ByteBuffer.wrap(pattern(70, 5)).position(20);
            n.write(2000, src, false);
            assertThat(src.hasRemaining()).isFalse();
            assertThat(disk.inner.read(2000, 50)).isEqualTo(Arrays.copyOfRange(pattern(70, 5), 20, 70));
        }
    }

    @Test
    void blockStatusReportsHolesAsZeroAndDataAsData() throws IOException {
        disk.inner.write(128 * 1024, pattern(64 * 1024, 6));
        try (NbdClientNode n = connect("disk")) {
            assertThat(n.blockStatus(0, 4L * MIB)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 128 * 1024));
            assertThat(n.blockStatus(128 * 1024, 4L * MIB - 128 * 1024))
                    .isEqualTo(new BlockStatus(BlockStatus.State.DATA, 128 * 1024, 64 * 1024));
            assertThat(n.blockStatus(192 * 1024, 4L * MIB - 192 * 1024))
                    .isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 192 * 1024, 4L * MIB - 192 * 1024));
            assertThat(n.blockStatus(130 * 1024, 1000)).as("never more than asked")
                    .isEqualTo(new BlockStatus(BlockStatus.State.DATA, 130 * 1024, 1000));
        }
    }

    @Test
    void readOnlyExportsRefuseWritesWithoutAskingTheServer() throws IOException {
        ro.inner.write(0, pattern(4096, 7));
        try (NbdClientNode n = connect("ro")) {
            assertThat(n.readOnly()).isTrue();
            assertThat(n.read(0, 4096)).isEqualTo(pattern(4096, 7));
            int started = ro.started.get();
            assertThatThrownBy(() -> n.write(0, new byte[512])).isInstanceOf(IOException.class)
                    .hasMessage("NBD export 'ro' at " + server.uri("ro") + " is read-only: write refused");
            assertThatThrownBy(() -> n.writeZeroes(0, 512, true)).hasMessageContaining("read-only: write-zeroes refused");
            assertThatThrownBy(() -> n.discard(0, 512)).hasMessageContaining("read-only: discard refused");
            assertThat(ro.started.get()).as("nothing reached the node").isEqualTo(started);
            assertThat(ro.inner.read(0, 4096)).isEqualTo(pattern(4096, 7));
            n.flush();
        }
    }

    @Test
    void nodeErrorsComeBackAsExceptionsNamingTheRequestAndTheConnectionGoesOn() throws IOException {
        try (NbdClientNode n = connect("disk")) {
            disk.failure = new NoSpaceException("fleecing storage 'fast' is full");
            assertThatThrownBy(() -> n.write(4096, new byte[4096])).isInstanceOf(NoSpaceException.class)
                    .hasMessage("WRITE 4096+4096 on NBD export 'disk' at " + server.uri("disk")
                            + " failed with ENOSPC: fleecing storage 'fast' is full");
            disk.failure = new IOException("disk on fire");
            assertThatThrownBy(() -> n.read(0, 100)).isExactlyInstanceOf(IOException.class)
                    .hasMessageContaining("READ 0+100 on NBD export 'disk'").hasMessageEndingWith("EIO: disk on fire");
            assertThatThrownBy(() -> n.blockStatus(0, 100)).isExactlyInstanceOf(IOException.class)
                    .hasMessageContaining("BLOCK_STATUS 0+100").hasMessageContaining("EIO");
            disk.failure = null;
            n.write(0, pattern(100, 8));
            assertThat(n.read(0, 100)).isEqualTo(pattern(100, 8));
        }
    }

    @Test
    void anUnknownExportIsRefusedWithTheServersAnswerAndALeaveTheServerAccepts() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            assertThatThrownBy(() -> connect("nope")).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot use " + server.uri("nope") + ": there is no export named 'nope'")
                    .hasMessageContaining("exports: 'disk', 'ro'");
            await(() -> server.connections() == 0, "the server closed the refused connection");
            assertThat(log.lines()).as("refusals of SET_META_CONTEXT and GO; NBD_OPT_ABORT, not a vanished client")
                    .hasSize(2).allMatch(l -> l.contains("refused NBD_OPT_"));
        }
    }

    @Test
    void aClosedPortIsReportedWithTheUri() throws IOException {
        int port = QemuNbd.freePort();
        String uri = "nbd://127.0.0.1:" + port + "/disk";
        assertThatThrownBy(() -> NbdClientNode.connect(uri)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot connect to " + uri + " (127.0.0.1:" + port + "): ")
                .hasMessageContaining("refused");
    }

    @Test
    void aServerThatNeverGreetsTimesOutTheHandshake() throws IOException {
        try (ServerSocketChannel silent = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            String uri = "nbd://127.0.0.1:" + ((InetSocketAddress) silent.getLocalAddress()).getPort() + "/disk";
            assertThatThrownBy(() -> NbdClientNode.connect(uri, Duration.ofMillis(300))).isInstanceOf(IOException.class)
                    .hasMessage("cannot use " + uri + ": the server did not complete the NBD handshake within 300 ms of connecting");
        }
    }

    @Test
    void closeFlushesAndDisconnectsCleanly() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            NbdClientNode n = connect("disk");
            n.write(0, pattern(4096, 9));
            int flushes = disk.flushes.get();
            n.close();
            n.close();
            assertThat(disk.flushes.get()).isEqualTo(flushes + 1);
            await(() -> server.connections() == 0, "the server saw NBD_CMD_DISC and closed");
            assertThat(log.lines()).as("a clean disconnect costs no log line").isEmpty();
            assertThatThrownBy(() -> n.read(0, 10)).isInstanceOf(IOException.class).hasMessageEndingWith("is closed");
        }
    }

    @Test
    void requestsLargerThanTheServersMaximumPayloadAreSplit() throws IOException {
        byte[] big = pattern(MIB + 777, 10);
        try (NbdClientNode n = connect("disk")) {
            assertThat(n.export().maxPayload()).isEqualTo(MAX_PAYLOAD);
            n.write(5, ByteBuffer.wrap(big), true);
            assertThat(disk.fuaWrites.get()).as("every piece is FUA").isEqualTo((big.length + MAX_PAYLOAD - 1) / MAX_PAYLOAD);
            assertThat(disk.inner.read(5, big.length)).isEqualTo(big);
            assertThat(n.read(5, big.length)).isEqualTo(big);
            assertThat(server.connections()).as("a WRITE over the maximum would have closed the connection").isEqualTo(1);
        }
    }

    @Test
    void anInterruptedCallerGivesUpWithoutTouchingItsBufferAndTheConnectionServesOthers() throws Exception {
        disk.inner.write(0, pattern(4096, 11));
        try (NbdClientNode n = connect("disk")) {
            disk.gate = new CountDownLatch(1);
            ByteBuffer buf = ByteBuffer.wrap(filled(4096, 0x55));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    n.read(0, buf);
                } catch (IOException e) {
                    thrown.set(e);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            await(() -> disk.active.get() == 1, "the read waits at the gate");
            reader.interrupt();
            assertThat(reader.join(Duration.ofSeconds(20))).isTrue();
            assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class)
                    .hasMessageContaining("interrupted while waiting for READ 0+4096");
            assertThat(stillInterrupted.get()).isTrue();
            disk.gate.countDown();
            disk.gate = null;
            for (int i = 0; i < 10; i++) {
                assertThat(n.read(0, 4096)).isEqualTo(pattern(4096, 11));
            }
            assertThat(buf.array()).as("the abandoned read's late reply was dropped").containsOnly(0x55);
        }
    }

    @Test
    void aServerDyingMidRequestFailsEveryWaitingRequestAndEveryLaterOne() throws Exception {
        disk.inner.write(0, pattern(4 * 4096, 12));
        NbdClientNode n = connect("disk");
        disk.gate = new CountDownLatch(1);
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            long offset = i * 4096L;
            waiting.add(CompletableFuture.runAsync(() -> {
                try {
                    n.read(offset, 4096);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        await(() -> disk.active.get() == 4, "four reads wait at the gate");
        Thread closer = Thread.ofVirtual().start(server::close);
        try {
            for (CompletableFuture<Void> f : waiting) {
                assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().cause().isInstanceOf(IOException.class)
                        .hasMessageContaining("on NBD export 'disk'")
                        .hasMessageEndingWith("failed: the connection to the server was lost: "
                                + "the server closed the connection");
            }
            assertThatThrownBy(() -> n.write(0, new byte[10])).isInstanceOf(IOException.class)
                    .hasMessage("NBD export 'disk' at " + server.uri("disk") + " is unusable: the connection to the "
                            + "server was lost: the server closed the connection");
            assertThatThrownBy(n::flush).hasMessageContaining("is unusable");
        } finally {
            disk.gate.countDown();
            assertThat(closer.join(Duration.ofSeconds(20))).isTrue();
        }
        n.close();
    }

    @Test
    void sixteenThreadsShareOneConnectionAndEveryByteLands() throws Exception {
        try (NbdClientNode n = connect("disk")) {
            List<byte[]> oracles = ClientWorkload.concurrently(n, 16, 100);
            int region = oracles.getFirst().length;
            for (int t = 0; t < oracles.size(); t++) {
                assertThat(disk.inner.read((long) t * region, region)).as("region of seed %d on the server", 100 + t)
                        .isEqualTo(oracles.get(t));
            }
        }
    }

    @Test
    void sixteenRequestsAreInFlightAtOnceOnOneConnection() throws Exception {
        disk.inner.write(0, pattern(16 * 4096, 13));
        try (NbdClientNode n = connect("disk")) {
            disk.gate = new CountDownLatch(1);
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                long offset = i * 4096L;
                reads.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return n.read(offset, 4096);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofVirtual().start(r)));
            }
            await(() -> disk.active.get() == 16, "all sixteen reads wait at the gate together");
            assertThat(server.connections()).isEqualTo(1);
            disk.gate.countDown();
            for (int i = 0; i < 16; i++) {
                assertThat(reads.get(i).get(20, TimeUnit.SECONDS))
                        .isEqualTo(Arrays.copyOfRange(pattern(16 * 4096, 13), i * 4096, (i + 1) * 4096));
            }
        }
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void aStrangerSpeakingAnotherProtocolIsNotMistakenForAServer() throws Exception {
        try (ServerSocketChannel http = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            String uri = "nbd://127.0.0.1:" + ((InetSocketAddress) http.getLocalAddress()).getPort() + "/disk";
            Thread peer = Thread.ofVirtual().start(() -> {
                try (SocketChannel c = http.accept()) {
                    c.write(ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes()));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThatThrownBy(() -> NbdClientNode.connect(uri)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot use " + uri + ": the peer is not an NBD server");
            peer.join();
        }
    }
}
