package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_READ;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/// Ending a connection whose client reads no replies: the server gives the replies the drain grace,
/// then closes the socket under them, whichever thread is stuck sending one (decision 0016: a lone
/// request is sent by the connection's own thread).
class NbdDrainTest extends ServerTestBase {
    private static final Duration GRACE = Duration.ofMillis(300);
    private static final int BIG = 32 * MIB;          // far more than any socket buffers hold

    @Override
    NbdServer.Limits limits() {
        return new NbdServer.Limits(64, 64L << 20, BIG, GRACE, Duration.ofSeconds(60));
    }

    @BeforeEach
    void addBigExport() {
        registry.add(new NbdExport("big", new TestNode(BIG), false, "a disk larger than the socket buffers"));
    }

    /// A client with a small receive buffer that asked for a 32 MiB read (simple reply: all data,
    /// holes included) and reads nothing back: the connection's thread is stuck sending it.
    private RawNbdClient stuckReader() throws IOException {
        RawNbdClient c = RawNbdClient.open(server, "big", false, 4096);
        c.request(0, CMD_READ, 0, BIG, null);                 // alone: sent by the reading thread itself
        return c;
    }

    @Test
    void closingTheServerUnderAClientThatReadsNoRepliesEndsAfterTheDrainGrace() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = stuckReader()) {
            Thread.sleep(100);                               // the reply fills the socket buffers
            Thread closer = Thread.ofVirtual().start(server::close);
            closer.join(Duration.ofSeconds(20));
            assertThat(closer.isAlive()).as("close ends once the grace is over").isFalse();
            assertThat(server.connections()).isZero();
            assertThat(logs.await(1)).anySatisfy(l -> assertThat(l).contains("replies still unsent"));
        }
    }

    @Test
    void aClientThatDisconnectsWithoutReadingItsReplyIsClosedAfterTheDrainGrace() throws Exception {
        try (RawNbdClient c = stuckReader()) {
            Thread.sleep(100);                               // another thread has taken over the reading
            c.disconnect();                                  // that thread ends the request loop
            await(() -> server.connections() == 0, "the connection ends though its thread was stuck sending");
        }
    }
}
