package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/// Writable images get no readahead (decision 0013), read-only ones keep it. Counted in the page
/// cache with `mincore` (through [java.nio.MappedByteBuffer#isLoaded()]) after the file's pages were
/// dropped (`dd iflag=nocache`). The directory is under `target/`, on the disk the build uses (a
/// tmpfs cannot drop pages).
class ReadaheadTest {
    private static final int PAGE = 4096;
    private static final long FILE = 32L << 20;
    private static final long AT = 8L << 20;
    private static final int READS = 16;
    private Path dir;
    private Path image;

    @BeforeEach
    void makeImage() throws Exception {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-scratch")), "readahead-");
        image = dir.resolve("disk.raw");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            while (chunk.hasRemaining()) {
                chunk.put((byte) 0x5a);
            }
            for (long at = 0; at < FILE; at += chunk.capacity()) {
                ch.write(chunk.clear(), at);
            }
            ch.force(true);
        }
        Process dd = new ProcessBuilder("dd", "if=" + image, "iflag=nocache", "count=0", "status=none")
                .redirectErrorStream(true).start();
        assertThat(dd.waitFor()).as("dd dropping the file's pages: %s", new String(dd.getInputStream().readAllBytes()))
                .isZero();
        assertThat(residentPages(0, FILE)).as("the file's pages were dropped before the test").isZero();
    }

    @AfterEach
    void removeImage() throws IOException {
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
    }

    @Test
    void aWritableImageReadsOnlyWhatIsAsked() throws IOException {
        assertThat(residentAfterSequentialReads(RawOptions.READ_WRITE)).isEqualTo(READS);
    }

    @Test
    void aReadOnlyImageReadsAhead() throws IOException {
        assertThat(residentAfterSequentialReads(RawOptions.READ_ONLY)).isGreaterThan(READS);
    }

    /// Pages in the page cache after [#READS] sequential 4 KiB reads through a node opened so.
    private long residentAfterSequentialReads(RawOptions options) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(PAGE);
        try (RawFileNode n = RawFileNode.open(image, options)) {
            for (int i = 0; i < READS; i++) {
                n.read(AT + (long) i * PAGE, buf.clear());
                assertThat(buf.get(0)).isEqualTo((byte) 0x5a);
            }
        }
        return residentPages(0, FILE);
    }

    private long residentPages(long from, long to) throws IOException {
        long count = 0;
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            for (long at = from; at < to; at += PAGE) {
                if (ch.map(FileChannel.MapMode.READ_ONLY, at, PAGE).isLoaded()) {
                    count++;
                }
            }
        }
        return count;
    }
}
