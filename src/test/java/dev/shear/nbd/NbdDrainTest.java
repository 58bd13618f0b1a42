package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_READ;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/// Ending a connection whose client reads no replies: the server gives the replies the drain grace,
/// then closes the socket under them, whichever thread is stuck sending one.
class NbdDrainTest extends ServerTestBase {
    private static final Duration GRACE = Duration.ofMillis(300);

    @Override
    NbdServer.Limits limits() {
        return new NbdServer.Limits(64, 64L << 20, 4 * MIB, GRACE, Duration.ofSeconds(60));
    }

    @Test
    void closingUnderAClientThatReadsNoRepliesEndsAfterTheDrainGrace() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = RawNbdClient.open(server, "disk", true, 4096)) {
            assertThat(c.write(0, pattern(4 * MIB, 1), 0)).isZero();   // data, so the read sends it
            c.request(0, CMD_READ, 0, 4 * MIB, null);      // alone: run by the reading thread itself
            await(() -> disk.started.get() == 2, "the read reached the node");
            Thread.sleep(100);                               // its 4 MiB reply fills the small socket buffers
            Thread closer = Thread.ofVirtual().start(server::close);
            closer.join(Duration.ofSeconds(20));
            assertThat(closer.isAlive()).as("close ends once the grace is over").isFalse();
            assertThat(server.connections()).isZero();
            assertThat(logs.await(1)).anySatisfy(l -> assertThat(l).contains("replies still unsent"));
        }
    }
}
