package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/// The per-connection bounds: requests and bytes in flight (with the node stalled, the server takes
/// no more than the bound and stops reading; once the node moves, everything completes), and the
/// time a client may spend before entering transmission.
class NbdFlowControlTest extends ServerTestBase {
    private static final int MAX_REQUESTS = 8;
    private static final int MAX_PAYLOAD = 64 * 1024;

    @Override
    NbdServer.Limits limits() {
        return new NbdServer.Limits(MAX_REQUESTS, 2L * MAX_PAYLOAD, MAX_PAYLOAD, Duration.ofSeconds(5),
                Duration.ofSeconds(2));
    }

    @Test
    void noMoreThanMaxRequestsRunAtOnce() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        disk.gate = gate;
        try (RawNbdClient c = client(true)) {
            List<Long> cookies = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                cookies.add(c.request(0, CMD_WRITE, i * 512L, 512, pattern(512, i)));
            }
            await(() -> disk.active.get() >= MAX_REQUESTS, "the server holds the maximum in flight");
            gate.countDown();
            List<Long> answered = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                RawNbdClient.Reply r = c.readReply();
                assertThat(((RawNbdClient.Simple) r).error()).isZero();
                answered.add(r.cookie());
            }
            assertThat(answered).containsExactlyInAnyOrderElementsOf(cookies);
            assertThat(disk.maxActive.get()).isEqualTo(MAX_REQUESTS);
            for (int i = 0; i < 40; i++) {
                assertThat(disk.inner.read(i * 512L, 512)).isEqualTo(pattern(512, i));
            }
        }
    }

    @Test
    void noMoreThanMaxBytesArePendingAtOnce() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        disk.gate = gate;
        try (RawNbdClient c = client(true)) {
            Thread sender = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 6; i++) {
                        c.request(0, CMD_WRITE, (long) i * MAX_PAYLOAD, MAX_PAYLOAD, pattern(MAX_PAYLOAD, i));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await(() -> disk.active.get() >= 2, "two full payloads are in flight");
            gate.countDown();
            sender.join();
            for (int i = 0; i < 6; i++) {
                c.readReply();
            }
            assertThat(disk.maxActive.get()).as("bytes bound: 2 × maxPayload").isEqualTo(2);
            for (int i = 0; i < 6; i++) {
                assertThat(disk.inner.read((long) i * MAX_PAYLOAD, MAX_PAYLOAD)).isEqualTo(pattern(MAX_PAYLOAD, i));
            }
        }
    }

    @Test
    void limitsRejectNonsenseWithTheFieldName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NbdServer.Limits(0, MIB, MAX_PAYLOAD, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("maxRequests");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NbdServer.Limits(1, 1024, MAX_PAYLOAD, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("maxInFlightBytes");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NbdServer.Limits(1, MIB, 100, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("maxPayload");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new NbdServer.Limits(1, MIB, MAX_PAYLOAD, Duration.ofSeconds(-1), Duration.ofSeconds(1)))
                .hasMessageContaining("drainGrace");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> NbdServer.Limits.DEFAULT.withHandshakeTimeout(Duration.ZERO))
                .hasMessageContaining("handshakeTimeout");
    }

    @Test
    void aClientThatNeverFinishesTheHandshakeIsDisconnected() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = client(true);
                RawNbdClient silent = RawNbdClient.connect(server)) {
            silent.readN(18); // the greeting, then nothing
            assertThat(silent.closedByServer()).isTrue();
            assertThat(logs.await(1)).singleElement().asString().contains("no handshake within 2000 ms");
            await(() -> server.connections() == 1, "the silent connection is gone");
            assertStillServes(good, 0);
        }
    }
}
