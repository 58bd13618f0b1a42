package dev.shear.block.qcow2;

import static dev.shear.block.qcow2.Qcow2BadImageTest.putInt;
import static dev.shear.block.qcow2.Qcow2BadImageTest.putLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockStatus;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/// Features Shear does not support are refused with a message naming the file and the feature;
/// features it supports only for reading open read-only and refuse writable opens.
class Qcow2RefusalTest {
    private static final int K = 1024;

    @TempDir
    Path dir;

    private Path image(String name, String size, String... options) throws IOException {
        Path p = dir.resolve(name);
        QemuTools.createImage(p, size, options);
        return p;
    }

    private static void assertRefused(Path image, boolean writable, String feature) throws IOException {
        byte[] before = Files.readAllBytes(image);
        assertThatThrownBy(() -> Qcow2Node.open(image, writable).close()).isInstanceOf(Qcow2FormatException.class)
                .hasMessageContaining(image.toString()).hasMessageContaining(feature);
        assertThat(Files.readAllBytes(image)).as("refusing %s changes nothing", feature).isEqualTo(before);
    }

    @Test
    void compressedClustersAreRefusedWhenMetNamingTheOffset() throws IOException {
        Path p = image("c.qcow2", "1M");
        QemuTools.io(p, false, "write -c -P 0x33 64k 64k", "write -P 0x44 0 64k");
        try (Qcow2Node n = Qcow2Node.open(p, true)) {
            assertThat(n.read(0, 64 * K)).containsOnly(0x44);
            assertThatThrownBy(() -> n.read(64 * K, 512)).isInstanceOf(Qcow2FormatException.class)
                    .hasMessageContaining(p.toString()).hasMessageContaining("guest offset 65536")
                    .hasMessageContaining("compressed");
            assertThatThrownBy(() -> n.blockStatus(64 * K, 512)).hasMessageContaining("compressed");
            assertThatThrownBy(() -> n.write(64 * K, new byte[512])).hasMessageContaining("compressed");
            assertThatThrownBy(() -> n.discard(0, 128 * K)).hasMessageContaining("compressed");
            assertThat(n.read(0, 64 * K)).as("a refused request changes nothing").containsOnly(0x44);
        }
        QemuTools.check(p).assertClean("after refusals");
    }

    @Test
    void aZstdCompressionTypeIsAcceptedWhileNoClusterIsCompressed() throws IOException {
        Path p = image("z.qcow2", "1M", "-o", "compression_type=zstd");
        try (Qcow2Node n = Qcow2Node.open(p, true)) {
            n.write(0, new byte[] {1, 2, 3});
        }
        QemuTools.check(p).assertClean("zstd image");
        QemuTools.io(p, true, "read -P 1 0 1", "read -P 0 3 65533");
    }

    @Test
    void externalDataFilesAreRefused() throws IOException {
        assertRefused(image("d.qcow2", "1M", "-o", "data_file=" + dir.resolve("d.raw")), false, "external data file");
    }

    @Test
    void extendedL2EntriesAreRefused() throws IOException {
        assertRefused(image("e.qcow2", "1M", "-o", "extended_l2=on"), false, "extended L2 entries");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "incompatible bit 0, 72, 1, dirty bit",
            "incompatible bit 1, 72, 2, corrupt bit",
            "incompatible bit 5, 72, 32, incompatible feature bit 5",
            "AES encryption, 32, 1, AES encryption",
            "LUKS encryption, 32, 2, LUKS encryption"})
    void headerFeaturesShearCannotHandleAreRefused(String what, int field, long value, String message)
            throws IOException {
        Path p = image("f.qcow2", "1M");
        byte[] b = Files.readAllBytes(p);
        Files.write(p, field == 72 ? putLong(b, field, value) : putInt(b, field, (int) value));
        assertRefused(p, false, message);
    }

    @Test
    void version2ImagesOpenReadOnly() throws IOException {
        Path p = image("v2.qcow2", "2M", "-o", "compat=0.10");
        QemuTools.io(p, false, "write -P 0x55 64k 64k");
        try (Qcow2Node n = Qcow2Node.open(p, false)) {
            assertThat(n.read(64 * K, 64 * K)).containsOnly(0x55);
            assertThat(n.blockStatus(0, 2 * K * K)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 64 * K));
            assertThatThrownBy(() -> n.write(0, new byte[1])).hasMessageContaining("read-only");
        }
        assertRefused(p, true, "version 2");
    }

    @Test
    void imagesWithInternalSnapshotsOpenReadOnly() throws IOException {
        Path p = image("s.qcow2", "1M");
        QemuTools.io(p, false, "write -P 0x01 0 64k");
        Interop.run("qemu-img", "snapshot", "-c", "before", p.toString()).ok();
        QemuTools.io(p, false, "write -P 0x02 0 64k");
        try (Qcow2Node n = Qcow2Node.open(p, false)) {
            assertThat(n.read(0, 64 * K)).as("the active state, not the snapshot").containsOnly(0x02);
        }
        assertRefused(p, true, "snapshot");
    }

    @Test
    void imagesWithPersistentBitmapsOpenReadOnlyRatherThanInvalidateThem() throws IOException {
        Path p = image("b.qcow2", "1M");
        Interop.run("qemu-img", "bitmap", "--add", p.toString(), "b0").ok();
        Qcow2Node.open(p, false).close();
        assertRefused(p, true, "bitmaps");
        QemuTools.check(p).assertClean("bitmaps kept");
    }

    @Test
    void backingFilesInOtherFormatsOrMissingAreRefused() throws IOException {
        Files.write(dir.resolve("base.vmdk"), new byte[4096]);
        assertRefused(image("v.qcow2", "1M", "-b", "base.vmdk", "-F", "vmdk", "-u"), false, "format 'vmdk'");
        assertRefused(image("m.qcow2", "1M", "-b", "missing.qcow2", "-F", "qcow2", "-u"), false,
                "backing file 'missing.qcow2'");
    }
}
