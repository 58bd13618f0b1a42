package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/// A running server on an ephemeral loopback port with two exports: "disk" (a writable
/// [TestNode] of 4 MiB) and "ro" (a read-only one of 1 MiB), torn down after each test.
@Timeout(60)
abstract class ServerTestBase {
    static final int MIB = 1 << 20;

    ExportRegistry registry;
    TestNode disk;
    TestNode ro;
    NbdServer server;

    /// The limits the fixture's server runs with; tests may override.
    NbdServer.Limits limits() {
        return NbdServer.Limits.DEFAULT;
    }

    @BeforeEach
    void startServer() throws IOException {
        registry = new ExportRegistry();
        disk = new TestNode(4 * MIB);
        ro = new TestNode(MIB);
        registry.add(new NbdExport("disk", disk, false, "a writable test disk"));
        registry.add(new NbdExport("ro", ro, true, ""));
        server = NbdServer.start(registry, NbdServer.Tcp.loopback(0), limits());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    RawNbdClient client(boolean structured) throws IOException {
        return RawNbdClient.open(server, "disk", structured);
    }

    static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /// A write and a read through `c` that must succeed and agree (the client still works).
    static void assertStillServes(RawNbdClient c, long offset) throws IOException {
        byte[] data = pattern(4096, offset);
        assertThat(c.write(offset, data, 0)).as("write error").isZero();
        assertThat(c.read(offset, data.length)).isEqualTo(data);
    }

    /// Waits (up to 20 s) for `condition`; fails with `what` if it never holds.
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }
}
