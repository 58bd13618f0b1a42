package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockStatus;
import dev.shear.block.BlockStatus.State;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/// [NbdClientNode] against QEMU's own server, `qemu-nbd` 7.2, serving sparse raw files: what the
/// client does is checked against the file's bytes and holes.
@Timeout(120)
class NbdClientQemuTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    private final List<QemuNbd> servers = new ArrayList<>();

    @AfterEach
    void killServers() {
        servers.forEach(QemuNbd::close);
    }

    private Path sparseFile(String name, long size) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        return file;
    }

    private QemuNbd serve(QemuNbd q) {
        servers.add(q);
        return q;
    }

    private static byte[] pattern(int length, long seed) {
        return ServerTestBase.pattern(length, seed);
    }

    /// The runs `n` reports over the whole export, as "offset+length STATE".
    private static List<String> map(NbdClientNode n) throws IOException {
        List<String> runs = new ArrayList<>();
        for (long pos = 0; pos < n.size(); ) {
            BlockStatus s = n.blockStatus(pos, n.size() - pos);
            runs.add(pos + "+" + s.length() + " " + s.state());
            pos = s.end();
        }
        return runs;
    }

    @Test
    void writesZeroesTrimsAndBlockStatusAgreeWithTheFile() throws IOException {
        Path file = sparseFile("disk.raw", 16L * MIB);
        QemuNbd q = serve(QemuNbd.unix(file, dir, "disk", "--discard=unmap"));
        try (NbdClientNode n = NbdClientNode.connect(q.uri())) {
            assertThat(n.size()).isEqualTo(16L * MIB);
            assertThat(map(n)).containsExactly("0+16777216 ZERO");
            byte[] a = pattern(MIB, 1);
            byte[] b = pattern(64 * 1024, 2);
            n.write(MIB, ByteBuffer.wrap(a), false);
            n.write(8L * MIB, ByteBuffer.wrap(b), true);
            n.flush();
            assertThat(map(n)).containsExactly("0+1048576 ZERO", "1048576+1048576 DATA", "2097152+6291456 ZERO",
                    "8388608+65536 DATA", "8454144+8323072 ZERO");

            n.writeZeroes(MIB + 4096, 8192, false);
            n.writeZeroes(8L * MIB, 64 * 1024, true);
            n.discard(MIB + MIB / 2, MIB / 2);
            n.flush();
            byte[] expect = new byte[16 * MIB];
            System.arraycopy(a, 0, expect, MIB, MIB);
            Arrays.fill(expect, MIB + 4096, MIB + 4096 + 8192, (byte) 0);
            Arrays.fill(expect, MIB + MIB / 2, 2 * MIB, (byte) 0);
            assertThat(Files.readAllBytes(file)).as("the file").isEqualTo(expect);
            assertThat(n.read(0, 16 * MIB)).as("what the client reads").isEqualTo(expect);
            assertThat(n.blockStatus(8L * MIB, 64 * 1024)).as("write-zeroes with unmap punched a hole")
                    .isEqualTo(new BlockStatus(State.ZERO, 8L * MIB, 64 * 1024));
            assertThat(n.blockStatus(MIB + MIB / 2, MIB / 2)).as("the trim punched a hole")
                    .isEqualTo(new BlockStatus(State.ZERO, MIB + MIB / 2, MIB / 2));
        }
    }

    @Test
    void tcpWorksAndTheServersGeometryIsAdopted() throws IOException {
        Path file = sparseFile("tcp.raw", 4L * MIB);
        QemuNbd q = serve(QemuNbd.tcp(file, dir, "tcp"));
        try (NbdClientNode n = NbdClientNode.connect(q.uri())) {
            RemoteExport e = n.export();
            assertThat(e.structured()).isTrue();
            assertThat(e.hasAllocationContext()).isTrue();
            assertThat(e.maxPayload()).isEqualTo(32 * MIB);
            assertThat(n.alignment()).isEqualTo(1);
            assertThat(n.clusterSize()).isEqualTo(4096);
            n.write(12345, pattern(1000, 3));
            n.flush();
            assertThat(n.read(12345, 1000)).isEqualTo(pattern(1000, 3));
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 12345, 13345)).isEqualTo(pattern(1000, 3));
    }

    @Test
    void requestsLargerThanQemusMaximumAreSplit() throws IOException {
        Path file = sparseFile("big.raw", 64L * MIB);
        QemuNbd q = serve(QemuNbd.unix(file, dir, "big"));
        byte[] data = pattern(40 * MIB + 3, 4);
        try (NbdClientNode n = NbdClientNode.connect(q.uri())) {
            n.write(7, ByteBuffer.wrap(data), false);
            assertThat(n.read(7, data.length)).isEqualTo(data);
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 7, 7 + data.length)).isEqualTo(data);
    }

    @Test
    void aReadOnlyExportIsReadableAndRefusesWrites() throws IOException {
        Path file = sparseFile("ro.raw", MIB);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(pattern(4096, 5));
        }
        QemuNbd q = serve(QemuNbd.unix(file, dir, "ro", "--read-only"));
        try (NbdClientNode n = NbdClientNode.connect(q.uri())) {
            assertThat(n.readOnly()).isTrue();
            assertThat(n.read(0, 4096)).isEqualTo(pattern(4096, 5));
            assertThatThrownBy(() -> n.write(0, new byte[10])).isInstanceOf(IOException.class)
                    .hasMessageEndingWith("is read-only: write refused");
            assertThatThrownBy(() -> n.discard(0, 4096)).hasMessageEndingWith("is read-only: discard refused");
        }
        assertThat(Arrays.copyOf(Files.readAllBytes(file), 4096)).isEqualTo(pattern(4096, 5));
    }

    @Test
    void anUnknownExportNameIsRefusedWithQemusAnswer() throws IOException {
        QemuNbd q = serve(QemuNbd.unix(sparseFile("x.raw", MIB), dir, "x"));
        String wrong = q.uri().replace("///x?", "///nope?");
        assertThatThrownBy(() -> NbdClientNode.connect(wrong)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot use " + wrong + ": there is no export named 'nope'")
                .hasMessageContaining("the server says:");
    }

    @Test
    void sixteenThreadsShareOneConnectionToQemu() throws Exception {
        Path file = sparseFile("busy.raw", 8L * MIB);
        QemuNbd q = serve(QemuNbd.unix(file, dir, "busy"));
        List<byte[]> oracles;
        try (NbdClientNode n = NbdClientNode.connect(q.uri())) {
            oracles = ClientWorkload.concurrently(n, 16, 200);
        }
        byte[] content = Files.readAllBytes(file);
        int region = oracles.getFirst().length;
        for (int t = 0; t < oracles.size(); t++) {
            assertThat(Arrays.copyOfRange(content, t * region, (t + 1) * region)).as("region of seed %d", 200 + t)
                    .isEqualTo(oracles.get(t));
        }
    }

    @Test
    void qemuDyingUnderLoadFailsEveryCallerPromptlyAndEveryLaterRequest() throws Exception {
        QemuNbd q = serve(QemuNbd.unix(sparseFile("dying.raw", 16L * MIB), dir, "dying"));
        NbdClientNode n = NbdClientNode.connect(q.uri());
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<IOException>> ends = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            AtomicReference<IOException> end = new AtomicReference<>();
            ends.add(end);
            long base = t * 2L * MIB;
            threads.add(Thread.ofVirtual().start(() -> {
                byte[] data = pattern(64 * 1024, base);
                try {
                    for (long i = 0; ; i++) {
                        long off = base + (i % 32) * 64 * 1024;
                        n.write(off, data);
                        n.read(off, data.length);
                        done.incrementAndGet();
                    }
                } catch (IOException e) {
                    end.set(e);
                }
            }));
        }
        ServerTestBase.await(() -> done.get() > 200, "requests flowed");
        q.process().destroyForcibly();
        for (Thread t : threads) {
            assertThat(t.join(Duration.ofSeconds(20))).as("a caller still waits on a dead server").isTrue();
        }
        for (AtomicReference<IOException> end : ends) {
            assertThat(end.get()).isNotNull().message().containsAnyOf("failed: the connection to the server was lost",
                    "is unusable: the connection to the server was lost");
        }
        assertThatThrownBy(() -> n.read(0, 10)).isInstanceOf(IOException.class).hasMessageContaining("is unusable");
        n.close();
    }
}
