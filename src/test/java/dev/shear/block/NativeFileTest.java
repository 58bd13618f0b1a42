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

    @Test
    void preadAndPwriteMoveBytesAndBufferPositions() throws IOException {
        Path f = Files.createFile(dir.resolve("io.raw"));
        try (NativeFile nf = NativeFile.open(f, true)) {
            ByteBuffer out = ByteBuffer.allocateDirect(8192);
            for (int i = 0; i < 8192; i++) {
                out.put(i, (byte) (i * 7));
            }
            out.position(100);
            assertThat(nf.pwrite(4096, out)).isEqualTo(8092);
            assertThat(out.position()).isEqualTo(8192);
            assertThat(nf.size()).isEqualTo(4096 + 8092);
            nf.sync(false);
            nf.sync(true);
            ByteBuffer in = ByteBuffer.allocateDirect(100).position(10);
            assertThat(nf.pread(4096, in)).isEqualTo(90);
            assertThat(in.position()).isEqualTo(100);
            assertThat(in.get(10)).isEqualTo((byte) 700);
            assertThat(nf.pread(1 << 20, ByteBuffer.allocateDirect(16))).as("at the end of the file").isZero();
            assertThatThrownBy(() -> nf.pread(0, ByteBuffer.allocate(16))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("direct buffer");
        }
        byte[] onDisk = Files.readAllBytes(f);
        assertThat(onDisk[4096]).isEqualTo((byte) 700);
        assertThat(onDisk[4096 + 8091]).isEqualTo((byte) (8191 * 7));
    }

    @Test
    void readOnlyDescriptorsRefuseWritesNamingTheFile() throws IOException {
        Path f = Files.write(dir.resolve("ro.raw"), new byte[4096]);
        try (NativeFile nf = NativeFile.open(f, false)) {
            assertThatThrownBy(() -> nf.pwrite(0, ByteBuffer.allocateDirect(512))).isInstanceOf(IOException.class)
                    .hasMessageContaining("ro.raw").hasMessageContaining("Bad file descriptor");
            nf.adviseRandom();                     // advice is fine on any descriptor
        }
    }
}
