package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/// Malformed and hostile requests: each costs the bad client an error reply or its connection,
/// and the server one log line, while another client keeps working and the node is untouched.
class NbdBadInputTest extends ServerTestBase {
    private static final byte[] CONTENT = pattern(4 * MIB, 99);

    private RawNbdClient prepared(boolean structured) throws Exception {
        disk.inner.write(0, CONTENT);
        return client(structured);
    }

    private void assertNodeUntouched() throws Exception {
        assertThat(disk.inner.read(0, 4 * MIB)).as("node content").isEqualTo(CONTENT);
    }

    @Test
    void aWrongRequestMagicClosesOnlyThatConnection() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true); RawNbdClient bad = client(true)) {
            bad.sendRequest(0x12345678, 0, CMD_WRITE, 1, 0, 512, new byte[512]);
            assertThat(bad.closedByServer()).isTrue();
            assertThat(good.read(0, 4096)).isEqualTo(java.util.Arrays.copyOf(CONTENT, 4096));
            assertThat(logs.lines()).singleElement().asString().contains("request magic 0x12345678");
            await(() -> server.connections() == 1, "the bad connection is cleaned up");
            assertNodeUntouched();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anUnknownCommandIsInvalidAndTheConnectionGoesOn(boolean structured) throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = prepared(structured)) {
            assertThat(c.command(99, 0, 0, 512)).isEqualTo(EINVAL);
            assertThat(logs.lines()).singleElement().asString().contains("command 99");
            assertNodeUntouched();
            assertStillServes(c, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rangesPastTheEndAreRefusedAndTouchNothing(boolean structured) throws Exception {
        long size = 4L * MIB;
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true); RawNbdClient c = client(structured)) {
            long cookie = c.request(0, CMD_READ, size - 512, 1024, null);
            if (structured) {
                RawNbdClient.Structured s = c.readStructured(cookie, size - 512, 1024);
                assertThat(s.types()).as("one error chunk, no data").containsExactly(REPLY_TYPE_ERROR);
                assertThat(s.error()).isEqualTo(EINVAL);
            } else {
                RawNbdClient.Simple s = c.readSimple();
                assertThat(s.error()).isEqualTo(EINVAL);
                assertThat(s.data()).isEmpty();
            }
            assertThat(c.write(size - 512, pattern(1024, 1), 0)).as("write past the end").isEqualTo(ENOSPC);
            assertThat(c.write(size, pattern(1, 1), 0)).as("write at the end").isEqualTo(ENOSPC);
            assertThat(c.command(CMD_WRITE_ZEROES, 0, size - 4096, 8192)).isEqualTo(ENOSPC);
            assertThat(c.command(CMD_TRIM, 0, size + 4096, 4096)).isEqualTo(EINVAL);
            assertThat(c.command(CMD_CACHE, 0, -4096L, 4096)).as("offset ≥ 2^63").isEqualTo(EINVAL);
            assertStillServes(good, 0);
            assertThat(c.read(size - 4096, 4096)).isEqualTo(java.util.Arrays.copyOfRange(CONTENT, MIB * 4 - 4096, MIB * 4));
            assertThat(logs.lines()).hasSize(6).allMatch(l -> l.contains("reaches past the end"));
        }
        assertThat(disk.read(0, 4096)).isEqualTo(pattern(4096, 0)); // assertStillServes wrote there
        assertThat(disk.inner.read(4096, 4 * MIB - 4096)).isEqualTo(java.util.Arrays.copyOfRange(CONTENT, 4096, 4 * MIB));
    }

    @Test
    void aWriteLargerThanTheMaximumPayloadClosesTheConnection() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true); RawNbdClient bad = client(true)) {
            bad.sendRequest(REQUEST_MAGIC, 0, CMD_WRITE, 7, 0, (32L << 20) + 1, new byte[4096]);
            assertThat(bad.closedByServer()).isTrue();
            assertThat(logs.lines()).singleElement().asString().contains("exceeds the maximum payload");
            assertStillServes(good, 8192);
            await(() -> server.connections() == 1, "the bad connection is cleaned up");
            assertThat(disk.inner.read(0, 8192)).isEqualTo(java.util.Arrays.copyOf(CONTENT, 8192));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aReadLargerThanTheMaximumPayloadIsRefused(boolean structured) throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = prepared(structured)) {
            TestNode big = new TestNode(64L * MIB);
            registry.add(NbdExport.of("big", big));
            try (RawNbdClient b = RawNbdClient.open(server, "big", structured)) {
                long cookie = b.request(0, CMD_READ, 0, (32L << 20) + 512, null);
                int error = structured ? b.readStructured(cookie, 0, 0).error() : b.readSimple().error();
                assertThat(error).isEqualTo(structured ? EOVERFLOW : EINVAL);
                assertThat(big.started.get()).isZero();
                assertThat(b.read(0, 4096)).containsOnly(0);
            }
            assertStillServes(c, 0);
            assertThat(logs.lines()).singleElement().asString().contains("maximum payload");
        }
    }

    @Test
    void writesToAReadOnlyExportAreRefusedAndTheirPayloadSkipped() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true);
                RawNbdClient c = RawNbdClient.open(server, "ro", true)) {
            assertThat(c.write(0, pattern(65536, 3), 0)).isEqualTo(EPERM);
            assertThat(c.read(0, 512)).as("the stream is still in step").containsOnly(0);
            assertStillServes(good, 0);
            assertThat(logs.lines()).singleElement().asString().contains("read-only");
            assertThat(ro.inner.allocatedBytes()).isZero();
        }
    }

    @Test
    void aClientVanishingInTheMiddleOfARequestHeaderIsCleanedUp() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true)) {
            RawNbdClient bad = client(true);
            bad.send(ByteBuffer.allocate(10).putInt(REQUEST_MAGIC).putShort((short) 0).putShort((short) CMD_WRITE).flip());
            assertStillServes(good, 0); // during
            bad.close();
            await(() -> server.connections() == 1, "the vanished client's connection is cleaned up");
            assertThat(registry.users("disk")).isEqualTo(1);
            assertStillServes(good, 4096); // after
            assertThat(logs.await(1)).singleElement().asString().contains("vanished");
        }
    }

    @Test
    void aClientVanishingInTheMiddleOfAWritePayloadIsCleanedUpAndWritesNothing() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient good = prepared(true)) {
            RawNbdClient bad = client(true);
            bad.sendRequest(REQUEST_MAGIC, 0, CMD_WRITE, 1, MIB, 65536, new byte[1000]);
            assertStillServes(good, 0);
            bad.close();
            await(() -> server.connections() == 1, "the vanished client's connection is cleaned up");
            assertThat(logs.await(1)).singleElement().asString().contains("vanished");
            assertThat(disk.inner.read(MIB, 65536)).isEqualTo(java.util.Arrays.copyOfRange(CONTENT, MIB, MIB + 65536));
            assertStillServes(good, 4096);
        }
    }

    @Test
    void aClientVanishingWithRequestsInFlightIsCleanedUpOnceTheyFinish() throws Exception {
        try (RawNbdClient good = prepared(true)) {
            RawNbdClient bad = client(true);
            CountDownLatch gate = new CountDownLatch(1);
            disk.gate = gate;
            bad.request(0, CMD_WRITE, 2 * MIB, 4096, pattern(4096, 5));
            await(() -> disk.active.get() == 1, "the write is in flight");
            disk.gate = null;
            bad.close();
            assertStillServes(good, 0);
            assertThat(server.connections()).as("still draining").isEqualTo(2);
            gate.countDown();
            await(() -> server.connections() == 1, "the vanished client's connection is cleaned up");
            assertThat(disk.inner.read(2 * MIB, 4096)).as("the in-flight write completed").isEqualTo(pattern(4096, 5));
        }
    }
}
