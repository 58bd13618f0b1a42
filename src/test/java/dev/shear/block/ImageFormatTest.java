package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFormatTest {
    @TempDir
    Path dir;

    @Test
    void fileNamesSayTheFormatByExtension() {
        assertThat(ImageFormat.fromFileName("vm-100-disk-0.qcow2")).contains(ImageFormat.QCOW2);
        assertThat(ImageFormat.fromFileName("/var/lib/x/vm-100-fleece-0.QCOW2")).contains(ImageFormat.QCOW2);
        assertThat(ImageFormat.fromFileName("vm-100-disk-0.raw")).contains(ImageFormat.RAW);
        assertThat(ImageFormat.fromFileName("disk.img")).contains(ImageFormat.RAW);
        assertThat(ImageFormat.fromFileName("vm-100-disk-0")).contains(ImageFormat.RAW);
        assertThat(ImageFormat.fromFileName("dir.d/vm-100-disk-0")).contains(ImageFormat.RAW);
        assertThat(ImageFormat.fromFileName("disk.vmdk")).isEqualTo(Optional.empty());
    }

    @Test
    void parseAcceptsTheIdsAndNamesTheKnownOnesOtherwise() {
        assertThat(ImageFormat.parse("qcow2")).isEqualTo(ImageFormat.QCOW2);
        assertThat(ImageFormat.parse("RAW")).isEqualTo(ImageFormat.RAW);
        assertThat(ImageFormat.QCOW2.id()).isEqualTo("qcow2");
        assertThatThrownBy(() -> ImageFormat.parse("vmdk")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'vmdk'").hasMessageContaining("raw, qcow2");
    }

    @Test
    void detectRecognisesTheQcow2MagicAndCallsEverythingElseRaw() throws IOException {
        Path magic = Files.write(dir.resolve("fake"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        Path almost = Files.write(dir.resolve("almost"), new byte[] {'Q', 'F', 'I', (byte) 0xfa});
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {'Q', 'F'});
        Path empty = Files.createFile(dir.resolve("empty"));
        assertThat(ImageFormat.detect(magic)).isEqualTo(ImageFormat.QCOW2);
        assertThat(ImageFormat.detect(almost)).isEqualTo(ImageFormat.RAW);
        assertThat(ImageFormat.detect(tiny)).isEqualTo(ImageFormat.RAW);
        assertThat(ImageFormat.detect(empty)).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void detectAgreesWithQemuImgCreate() throws IOException {
        Interop.require("qemu-img");
        Path q = dir.resolve("a.qcow2");
        Path r = dir.resolve("a.raw");
        Interop.run("qemu-img", "create", "-f", "qcow2", q.toString(), "1M").ok();
        Interop.run("qemu-img", "create", "-f", "raw", r.toString(), "1M").ok();
        assertThat(ImageFormat.detect(q)).isEqualTo(ImageFormat.QCOW2);
        assertThat(ImageFormat.detect(r)).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void detectNamesAMissingFileOrADirectory() {
        Path missing = dir.resolve("missing.qcow2");
        assertThatThrownBy(() -> ImageFormat.detect(missing)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> ImageFormat.detect(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("directory");
    }
}
