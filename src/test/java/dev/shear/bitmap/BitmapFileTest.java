package dev.shear.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BitmapFileTest {
    private static final int G = 65536;

    @TempDir
    Path dir;

    private ClusterBitmap sample() {
        ClusterBitmap bm = new ClusterBitmap(1000L * G + 512, G);
        bm.set(0, 1);
        bm.set(77L * G, 5L * G);
        bm.set(1000L * G, 512);
        return bm;
    }

    @Test
    void roundTripsExactly() throws IOException {
        Path f = dir.resolve("disk-0.bitmap");
        ClusterBitmap bm = sample();
        BitmapFile.write(f, bm.snapshot());
        ClusterBitmap back = BitmapFile.read(f, bm.length(), G);
        assertThat(back.count()).isEqualTo(bm.count());
        for (long i = 0; i < bm.clusters(); i++) {
            assertThat(back.get(i)).as("bit %d", i).isEqualTo(bm.get(i));
        }
    }

    @Test
    void anyFlippedByteIsDetected() throws IOException {
        Path f = dir.resolve("b");
        BitmapFile.write(f, sample().snapshot());
        byte[] good = Files.readAllBytes(f);
        for (int i = 0; i < good.length; i += 7) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(f, bad);
            assertThatThrownBy(() -> BitmapFile.read(f, 1000L * G + 512, G)).as("flip at %d", i)
                    .isInstanceOf(BitmapFile.CorruptBitmapException.class)
                    .hasMessageContaining(f.toString());
        }
    }

    @Test
    void aBitmapOfAnotherDiskSizeIsRefused() throws IOException {
        Path f = dir.resolve("b");
        BitmapFile.write(f, sample().snapshot());
        assertThatThrownBy(() -> BitmapFile.read(f, 2000L * G, G))
                .isInstanceOf(BitmapFile.CorruptBitmapException.class)
                .hasMessageContaining("but the disk is");
        assertThatThrownBy(() -> BitmapFile.read(f, 1000L * G + 512, 2 * G))
                .isInstanceOf(BitmapFile.CorruptBitmapException.class);
    }

    @Test
    void truncatedAndForeignFilesAreRefused() throws IOException {
        Path f = dir.resolve("b");
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> BitmapFile.read(f, G, G)).hasMessageContaining("truncated");
        Files.write(f, new byte[100]);
        assertThatThrownBy(() -> BitmapFile.read(f, G, G)).hasMessageContaining("magic");
        assertThatThrownBy(() -> BitmapFile.read(dir.resolve("missing"), G, G)).isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void rewritingLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("b");
        BitmapFile.write(f, sample().snapshot());
        BitmapFile.write(f, new ClusterBitmap(1000L * G + 512, G).snapshot());
        assertThat(BitmapFile.read(f, 1000L * G + 512, G).count()).isZero();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("b");
        }
    }
}
