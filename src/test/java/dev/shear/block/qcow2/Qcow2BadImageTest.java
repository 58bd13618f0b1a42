package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/// Corrupt images — a real `qemu-img` image with one field broken — are refused with a
/// [Qcow2FormatException] naming the file and the field, never a crash, a hang or a huge
/// allocation, and the file is left as it was.
class Qcow2BadImageTest {
    private static final int CLUSTER = 64 * 1024;

    @TempDir
    Path dir;

    private byte[] good;

    @BeforeEach
    void makeAGoodImage() throws IOException {
        Path image = dir.resolve("good.qcow2");
        QemuTools.createImage(image, "4M");
        QemuTools.io(image, false, "write -P 0x11 0 128k", "write -P 0x22 1M 64k");
        good = Files.readAllBytes(image);
    }

    static Stream<Arguments> headerCorruptions() {
        return Stream.of(
                corrupt("truncated before the version 2 header", b -> Arrays.copyOf(b, 50), "truncated"),
                corrupt("truncated inside the version 3 header", b -> Arrays.copyOf(b, 100), "truncated"),
                corrupt("wrong magic", b -> putInt(b, 0, 0x514649fc), "magic"),
                corrupt("version 4", b -> putInt(b, 4, 4), "version"),
                corrupt("cluster_bits 8", b -> putInt(b, 20, 8), "cluster_bits"),
                corrupt("cluster_bits 40", b -> putInt(b, 20, 40), "cluster_bits"),
                corrupt("absurd virtual size", b -> putLong(b, 24, 1L << 62), "header field size"),
                corrupt("negative virtual size", b -> putLong(b, 24, -512), "header field size"),
                corrupt("absurd l1_size", b -> putInt(b, 36, 0x7fffffff), "l1_size"),
                corrupt("l1_size too small", b -> putInt(b, 36, 0), "l1_size"),
                corrupt("L1 table past the end", b -> putLong(b, 40, 1L << 40), "l1_table_offset"),
                corrupt("L1 table unaligned", b -> putLong(b, 40, 3 * CLUSTER + 8), "l1_table_offset"),
                corrupt("refcount table past the end", b -> putLong(b, 48, 1L << 40), "refcount_table_offset"),
                corrupt("refcount table at 0", b -> putLong(b, 48, 0), "refcount_table_offset"),
                corrupt("absurd refcount table size", b -> putInt(b, 56, 1 << 30), "refcount_table_clusters"),
                corrupt("empty refcount table", b -> putInt(b, 56, 0), "refcount_table_clusters"),
                corrupt("refcount_order 7", b -> putInt(b, 96, 7), "refcount_order"),
                corrupt("header_length 100", b -> putInt(b, 100, 100), "header_length"),
                corrupt("header_length past the cluster", b -> putInt(b, 100, 2 * CLUSTER), "header_length"),
                corrupt("backing name past the header cluster",
                        b -> putInt(putLong(b, 8, CLUSTER - 4), 16, 100), "backing_file_offset"),
                corrupt("absurd backing name length",
                        b -> putInt(putLong(b, 8, 512), 16, 1 << 20), "backing_file_size"),
                corrupt("header extension past the cluster", b -> putInt(b, 112 + 4, 1 << 30), "header extension"),
                corrupt("refcount table entry past the end", b -> putLong(b, CLUSTER, 1L << 40), "refcount table entry 0"),
                corrupt("no refcount block for the header", b -> putLong(b, CLUSTER, 0), "the header"),
                corrupt("L1 table counted free", b -> putShort(b, 2 * CLUSTER + 3 * 2, 0), "the L1 table"));
    }

    private static Arguments corrupt(String what, UnaryOperator<byte[]> edit, String field) {
        return Arguments.of(what, edit, field);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("headerCorruptions")
    void corruptHeadersAreRefusedNamingTheFileAndTheFieldAndChangeNothing(String what, UnaryOperator<byte[]> edit,
                                                                          String field) throws IOException {
        byte[] bad = edit.apply(good.clone());
        Path image = Files.write(dir.resolve("bad.qcow2"), bad);
        assertThatThrownBy(() -> Qcow2Node.open(image, true).close()).as(what)
                .isInstanceOf(Qcow2FormatException.class)
                .hasMessageContaining(image.toString())
                .hasMessageContaining(field);
        assertThat(Files.readAllBytes(image)).as("%s: the file is unchanged", what).isEqualTo(bad);
    }

    @Test
    void anL1EntryPastTheEndIsReportedWhenReadWithItsOffset() throws IOException {
        long l1 = longAt(good, 40);
        Path image = Files.write(dir.resolve("l1.qcow2"), putLong(good.clone(), (int) l1, (1L << 40) | (1L << 63)));
        try (Qcow2Node n = Qcow2Node.open(image, false)) {
            assertThatThrownBy(() -> n.read(0, 4096)).isInstanceOf(Qcow2FormatException.class)
                    .hasMessageContaining(image.toString()).hasMessageContaining("L1 entry 0")
                    .hasMessageContaining(String.valueOf(1L << 40)).hasMessageContaining("past the end");
            assertThatThrownBy(() -> n.blockStatus(0, 4096)).isInstanceOf(Qcow2FormatException.class);
        }
    }

    @Test
    void anL2EntryPastTheEndIsReportedWhenReadWithTheGuestAndHostOffsets() throws IOException {
        long l2 = longAt(good, (int) longAt(good, 40)) & Qcow2Header.OFFSET_MASK;
        long host = (1L << 40) | (1L << 63);
        Path image = Files.write(dir.resolve("l2.qcow2"), putLong(good.clone(), (int) l2 + 8, host));
        try (Qcow2Node n = Qcow2Node.open(image, true)) {
            assertThat(n.read(0, CLUSTER)).containsOnly(0x11);
            assertThatThrownBy(() -> n.read(CLUSTER, 4096)).isInstanceOf(Qcow2FormatException.class)
                    .hasMessageContaining(image.toString()).hasMessageContaining("guest offset " + CLUSTER)
                    .hasMessageContaining("host offset " + (1L << 40)).hasMessageContaining("past the end");
            assertThatThrownBy(() -> n.write(CLUSTER + 512, new byte[512])).isInstanceOf(Qcow2FormatException.class);
        }
    }

    @Test
    void anImageThatIsItsOwnBackingFileIsRefused() throws IOException {
        Path image = dir.resolve("loop.qcow2");
        QemuTools.createImage(dir.resolve("other.qcow2"), "4M");
        QemuTools.createImage(image, "4M", "-b", "other.qcow2", "-F", "qcow2");
        byte[] b = Files.readAllBytes(image);
        int nameOffset = (int) longAt(b, 8);
        byte[] self = "loop.qcow2\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(self, 0, b, nameOffset, self.length);
        Files.write(image, putInt(b, 16, self.length - 1));
        assertThatThrownBy(() -> Qcow2Node.open(image, false).close()).isInstanceOf(Qcow2FormatException.class)
                .hasMessageContaining("backing chain is deeper than");
    }

    static byte[] putInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).putInt(at, v);
        return b;
    }

    static byte[] putShort(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).putShort(at, (short) v);
        return b;
    }

    static byte[] putLong(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).putLong(at, v);
        return b;
    }

    static long longAt(byte[] b, int at) {
        return ByteBuffer.wrap(b).getLong(at);
    }
}
