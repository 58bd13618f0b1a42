package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.MemoryNode;
import dev.shear.util.IoThreads;
import dev.shear.util.ThreadStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// Listening, URIs and closing.
class NbdServerTest extends ServerTestBase {
    @TempDir
    Path dir;

    @Test
    void anEphemeralPortIsChosenAndNamedInTheUri() {
        assertThat(server.port()).isPositive();
        assertThat(server.uri("disk")).isEqualTo("nbd://127.0.0.1:" + server.port() + "/disk");
        assertThat(server.uri("a b/ü")).isEqualTo("nbd://127.0.0.1:" + server.port() + "/a%20b%2F%C3%BC");
    }

    @Test
    void eachConnectionIsServedByAPlatformThreadOfItsOwn() throws Exception {
        // decision 0015: a virtual reader costs a poller and a carrier wake-up per request
        try (RawNbdClient a = client(true); RawNbdClient b = client(false)) {
            assertStillServes(a, 0);
            assertStillServes(b, 4096);
            // getAllStackTraces lists platform threads only
            assertThat(Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("nbd #") && t.getName().contains("127.0.0.1"))
                    .filter(Thread::isAlive)).hasSizeGreaterThanOrEqualTo(2).allMatch(Thread::isDaemon);
        }
    }

    @Test
    void aServerStartedByABackgroundThreadServesAtNormalPriority() throws Exception {
        // review of c3bdf78: connection threads inherit the accept thread's nice value, and that
        // one the nice value of the thread that started the server
        CompletableFuture<NbdServer> started = new CompletableFuture<>();
        IoThreads.background(() -> {
            try {
                started.complete(NbdServer.start(registry, NbdServer.Tcp.loopback(0)));
            } catch (IOException | RuntimeException e) {
                started.completeExceptionally(e);
            }
        });
        try (NbdServer other = started.get(10, TimeUnit.SECONDS); RawNbdClient c = RawNbdClient.open(other, "disk", true)) {
            assertStillServes(c, 0);
            assertThat(ThreadStats.nices("nbd #", "nbd-accept")).as("accept and connection threads")
                    .hasSizeGreaterThanOrEqualTo(2).containsOnly(ThreadStats.nice());
        }
    }

    @Test
    void aUnixSocketServerServesAndRemovesItsSocketOnClose() throws Exception {
        Path sock = dir.resolve("nbd.sock");
        try (NbdServer unix = NbdServer.start(registry, new NbdServer.Unix(sock))) {
            assertThat(unix.uri("disk")).isEqualTo("nbd+unix:///disk?socket=" + sock.toAbsolutePath());
            assertThatThrownBy(unix::port).hasMessageContaining("Unix socket");
            try (RawNbdClient c = RawNbdClient.open(unix, "disk", true)) {
                assertStillServes(c, 0);
            }
            assertThatThrownBy(() -> NbdServer.start(registry, new NbdServer.Unix(sock)))
                    .hasMessageContaining(sock.toString()).hasMessageContaining("already exists");
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    void aTakenTcpPortIsReportedWithTheAddress() {
        assertThatThrownBy(() -> NbdServer.start(registry, NbdServer.Tcp.loopback(server.port())))
                .isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1:" + server.port());
    }

    @Test
    void closeLetsInFlightRequestsFinishClosesConnectionsAndStopsListening() throws Exception {
        try (RawNbdClient busy = client(true); RawNbdClient idle = client(false)) {
            CountDownLatch gate = new CountDownLatch(1);
            disk.gate = gate;
            long cookie = busy.request(0, CMD_WRITE, 0, 4096, pattern(4096, 3));
            await(() -> disk.active.get() == 1, "the write is in flight");
            Thread closer = Thread.ofVirtual().start(server::close);
            assertThat(idle.closedByServer()).as("idle connections close at once").isTrue();
            assertThatThrownBy(() -> RawNbdClient.open(server, "disk", true)).isInstanceOf(IOException.class);
            assertThat(closer.isAlive()).as("close waits for the in-flight write").isTrue();
            gate.countDown();
            assertThat(busy.readReply().cookie()).isEqualTo(cookie);
            assertThat(busy.closedByServer()).isTrue();
            closer.join();
            assertThat(server.connections()).isZero();
        }
        assertThat(disk.inner.read(0, 4096)).isEqualTo(pattern(4096, 3));
    }

    @Test
    void severalServersShareARegistry() throws Exception {
        try (NbdServer second = NbdServer.start(registry, NbdServer.Tcp.loopback(0))) {
            registry.add(NbdExport.of("shared", new MemoryNode(MIB)));
            try (RawNbdClient a = RawNbdClient.open(server, "shared", true);
                    RawNbdClient b = RawNbdClient.open(second, "shared", false)) {
                assertThat(a.write(0, pattern(512, 1), 0)).isZero();
                assertThat(b.read(0, 512)).isEqualTo(pattern(512, 1));
            }
        }
    }
}
