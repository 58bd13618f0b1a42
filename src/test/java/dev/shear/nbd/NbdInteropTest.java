package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.block.BlockStatus;
import dev.shear.block.MemoryNode;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/// Real NBD clients against the server: QEMU 7.2 (`qemu-io`, `qemu-img`) and libnbd 1.14
/// (`nbdinfo`, `nbdcopy`, fio's nbd engine), over TCP and a Unix socket.
@Timeout(180)
class NbdInteropTest {
    private static final int MIB = 1 << 20;
    private static final long SIZE = 64L * MIB;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    ExportRegistry registry;
    MemoryNode node;
    DirtyBitmapContext dirty;
    NbdServer server;

    @BeforeEach
    void start() throws IOException {
        registry = new ExportRegistry();
        node = new MemoryNode("disk", SIZE, 64 * 1024);
        dirty = new DirtyBitmapContext("shear:dirty-bitmap", 64 * 1024, SIZE);
        registry.add(new NbdExport("disk", node, false, "guest disk 0", List.of(dirty)));
        registry.add(new NbdExport("ro", new MemoryNode("ro", MIB, 64 * 1024), true, "point in time"));
        server = NbdServer.start(registry, NbdServer.Tcp.loopback(0));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /// The JSON document in a tool's output (fio prints a line of chatter before it).
    private static JsonNode json(String stdout) throws IOException {
        int start = IntStream.of(stdout.indexOf('{'), stdout.indexOf('[')).filter(i -> i >= 0).min()
                .orElseThrow(() -> new AssertionError("no JSON in: " + stdout));
        return JSON.readTree(stdout.substring(start));
    }

    @Test
    void qemuIoWritesReadsZeroesDiscardsAndFlushes() throws IOException {
        Interop.Result r = Interop.run("qemu-io", "-f", "raw", server.uri("disk"),
                "-c", "write -P 0xab 0 1M", "-c", "read -P 0xab 0 1M",
                "-c", "write -P 0xcd 1M 2M", "-c", "write -z 1M 1M", "-c", "read -P 0 1M 1M",
                "-c", "discard 2M 1M", "-c", "write -f -P 0x11 3M 64k", "-c", "flush",
                "-c", "read -P 0x11 3M 64k").ok();
        assertThat(r.stdout() + r.stderr()).doesNotContain("failed").doesNotContain("error");
        assertThat(node.read(0, MIB)).isEqualTo(filled(MIB, 0xab));
        assertThat(node.read(MIB, 2 * MIB)).as("write -z and discard").containsOnly(0);
        assertThat(node.read(3L * MIB, 64 * 1024)).isEqualTo(filled(64 * 1024, 0x11));
        assertThat(node.allocatedBytes()).isEqualTo(MIB + 64 * 1024);
    }

    @Test
    void nbdinfoListsExportsReportsSizeAndMapsDataAndHoles() throws IOException {
        node.write(0, filled(MIB, 1));
        node.write(4L * MIB, filled(2 * MIB, 2));
        String list = Interop.run("nbdinfo", "--list", server.uri("")).ok().stdout();
        assertThat(list).contains("export=\"disk\"").contains("guest disk 0").contains("export=\"ro\"")
                .contains("shear:dirty-bitmap").contains("base:allocation");

        JsonNode info = json(Interop.run("nbdinfo", "--json", server.uri("disk")).ok().stdout());
        JsonNode export = info.get("exports").get(0);
        assertThat(export.get("export-size").asLong()).isEqualTo(SIZE);
        assertThat(export.get("can_multi_conn").asBoolean()).isTrue();
        assertThat(export.get("block_size_maximum").asLong()).isEqualTo(32L * MIB);
        assertThat(info.get("structured").asBoolean()).isTrue();

        List<String> map = Interop.run("nbdinfo", "--map", server.uri("disk")).ok().stdout().lines()
                .map(l -> l.trim().replaceAll("\\s+", " ")).toList();
        assertThat(map).containsExactly(
                "0 1048576 0 data",
                "1048576 3145728 3 hole,zero",
                "4194304 2097152 0 data",
                "6291456 60817408 3 hole,zero");
    }

    @Test
    void nbdinfoMapsAnExtraMetaContext() throws IOException {
        dirty.markDirty(2L * MIB, MIB);
        List<String> map = Interop.run("nbdinfo", "--map=shear:dirty-bitmap", server.uri("disk")).ok().stdout()
                .lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList();
        assertThat(map).containsExactly("0 2097152 0", "2097152 1048576 1", "3145728 63963136 0");
    }

    @Test
    void nbdinfoWorksOverAUnixSocket() throws IOException {
        Path sock = dir.resolve("nbd.sock");
        try (NbdServer unix = NbdServer.start(registry, new NbdServer.Unix(sock))) {
            String uri = unix.uri("disk");
            assertThat(uri).startsWith("nbd+unix:///disk?socket=");
            JsonNode info = json(Interop.run("nbdinfo", "--json", uri).ok().stdout());
            assertThat(info.get("exports").get(0).get("export-size").asLong()).isEqualTo(SIZE);
            assertThat(Interop.run("qemu-io", "-f", "raw", uri, "-c", "write -P 0x5a 0 4k").ok().exitCode()).isZero();
        }
        assertThat(node.read(0, 4096)).isEqualTo(filled(4096, 0x5a));
    }

    @Test
    void nbdcopyCopiesOutOfAndIntoTheExport() throws IOException {
        Random rnd = new Random(17);
        byte[] chunk = new byte[3 * MIB];
        rnd.nextBytes(chunk);
        node.write(5L * MIB, chunk);
        node.write(40L * MIB + 512, chunk);
        Path out = dir.resolve("out.raw");
        Interop.run("nbdcopy", server.uri("disk"), out.toString()).ok();
        assertThat(Files.size(out)).isEqualTo(SIZE);
        assertThat(Files.readAllBytes(out)).isEqualTo(node.read(0, (int) SIZE));

        byte[] image = new byte[(int) SIZE];
        rnd.nextBytes(image);
        Arrays.fill(image, 10 * MIB, 30 * MIB, (byte) 0);
        Path in = dir.resolve("in.raw");
        Files.write(in, image);
        Interop.run("nbdcopy", "--flush", in.toString(), server.uri("disk")).ok();
        assertThat(node.read(0, (int) SIZE)).isEqualTo(image);
    }

    @Test
    void qemuImgConvertEqualsTheExportAndItsMapAgreesWithBlockStatus() throws IOException {
        node.write(MIB, filled(2 * MIB, 7));
        node.write(20L * MIB, filled(64 * 1024, 9));
        Path out = dir.resolve("conv.raw");
        Interop.run("qemu-img", "convert", "-f", "raw", "-O", "raw", server.uri("disk"), out.toString()).ok();
        assertThat(Files.readAllBytes(out)).isEqualTo(node.read(0, (int) SIZE));

        JsonNode map = json(Interop.run("qemu-img", "map", "-f", "raw", "--output=json", server.uri("disk")).ok().stdout());
        List<String> qemu = new ArrayList<>();
        for (JsonNode e : map) {
            qemu.add(e.get("start").asLong() + "+" + e.get("length").asLong() + (e.get("data").asBoolean() ? " data" : " zero"));
        }
        List<String> ours = new ArrayList<>();
        for (long pos = 0; pos < SIZE; ) {
            BlockStatus s = node.blockStatus(pos, SIZE - pos);
            ours.add(pos + "+" + s.length() + (s.isZero() ? " zero" : " data"));
            pos = s.end();
        }
        assertThat(qemu).isEqualTo(ours);
    }

    private JsonNode fio(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--ioengine=nbd", "--uri=" + server.uri("disk"), "--bs=4k",
                "--iodepth=16", "--output-format=json"));
        all.addAll(List.of(args));
        Interop.Result r = Interop.run("fio", all.toArray(String[]::new)).ok();
        return json(r.stdout()).get("jobs").get(0);
    }

    @Test
    void fioRandomReadWriteRunsWithoutErrors() throws IOException {
        JsonNode job = fio("--name=randrw", "--rw=randrw", "--runtime=3", "--time_based", "--size=32M");
        assertThat(job.get("error").asInt()).isZero();
        assertThat(job.get("read").get("io_bytes").asLong()).isPositive();
        assertThat(job.get("write").get("io_bytes").asLong()).isPositive();
    }

    @Test
    void fioVerifiesWhatItWrote() throws IOException {
        JsonNode job = fio("--name=verify", "--rw=randwrite", "--size=16M", "--verify=crc32c", "--do_verify=1",
                "--verify_fatal=1", "--verify_state_save=0");
        assertThat(job.get("error").asInt()).isZero();
        assertThat(job.get("write").get("io_bytes").asLong()).isEqualTo(16L * MIB);
        assertThat(job.get("read").get("io_bytes").asLong()).as("verification reads").isEqualTo(16L * MIB);
    }
}
