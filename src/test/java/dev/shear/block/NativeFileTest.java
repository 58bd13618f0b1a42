package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeFileTest {
    @TempDir
    Path dir;

    @Test
    void punchHoleReleasesBlocksAndSeekFindsDataAndHoles() throws IOException {
        Path f = dir.resolve("f.raw");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] data = new byte[4 << 20];
            java.util.Arrays.fill(data, (byte) 7);
            ch.write(ByteBuffer.wrap(data), 1 << 20);
            ch.force(true);
        }
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(8 << 20);
        }
        try (NativeFile nf = NativeFile.open(f, true)) {
            assertThat(nf.seekData(0)).isEqualTo(1 << 20);
            assertThat(nf.seekHole(1 << 20)).isEqualTo(5 << 20);
            assertThat(nf.seekData(5 << 20)).isEqualTo(-1);
            long before = nf.allocatedBytes();
            assertThat(before).isGreaterThanOrEqualTo(4 << 20);
            nf.punchHole(1 << 20, 2 << 20);
            assertThat(nf.allocatedBytes()).isLessThanOrEqualTo(before - (2 << 20));
            assertThat(nf.seekData(0)).isEqualTo(3 << 20);
        }
        assertThat(Files.size(f)).isEqualTo(8 << 20);
    }

    @Test
    void zeroRangeZeroesButKeepsTheBlocksOrSaysItCannot() throws IOException {
        Path f = dir.resolve("z.raw");
        byte[] data = new byte[2 << 20];
        java.util.Arrays.fill(data, (byte) 9);
        Files.write(f, data);
        try (NativeFile nf = NativeFile.open(f, true); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            long before = nf.allocatedBytes();
            if (!nf.zeroRange(4096, 1 << 20)) {
                assertThat(Files.readAllBytes(f)).as("an unsupported zero range changes nothing").isEqualTo(data);
                return;
            }
            ByteBuffer back = ByteBuffer.allocate(1 << 20);
            ch.read(back, 4096);
            assertThat(back.array()).containsOnly(0);
            assertThat(nf.allocatedBytes()).isEqualTo(before);
            assertThat(Files.size(f)).isEqualTo(2 << 20);
            assertThat(Files.readAllBytes(f)[4095]).isEqualTo((byte) 9);
            assertThat(Files.readAllBytes(f)[4096 + (1 << 20)]).isEqualTo((byte) 9);
        }
    }

    @Test
    void openingAMissingFileNamesTheFileAndTheReason() {
        Path missing = dir.resolve("nope.raw");
        assertThatThrownBy(() -> NativeFile.open(missing, false))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("nope.raw")
                .hasMessageContaining("No such file");
    }

    @Test
    void closedFileRefusesCalls() throws IOException {
        Path f = Files.createFile(dir.resolve("g.raw"));
        NativeFile nf = NativeFile.open(f, true);
        nf.close();
        nf.close();
        assertThatThrownBy(() -> nf.seekData(0)).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }
}
