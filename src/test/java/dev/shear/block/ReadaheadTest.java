package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/// Writable images get no readahead (decision 0013), read-only ones keep it. Counted in the page
/// cache with `mincore` (through [MemorySegment#isLoaded()]) after the file's pages were
/// dropped (`dd iflag=nocache`). The directory is under `target/`, on the disk the build uses (a
/// tmpfs cannot drop pages).
class ReadaheadTest {
    private static final int PAGE = 4096;
    private static final long SIZE = 32L << 20;
    private static final long AT = 8L << 20;
    /// 16 × 4 KiB: one qcow2 cluster of 64 KiB.
    private static final int READS = 16;
    private Path dir;
    private Path image;

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-scratch")), "readahead-");
    }

    @AfterEach
    void removeDir() throws IOException {
        Files.deleteIfExists(image);
        Files.deleteIfExists(dir);
    }

    @Test
    void aWritableRawImageReadsOnlyWhatIsAsked() throws Exception {
        makeRaw();
        try (RawFileNode n = RawFileNode.open(image, RawOptions.READ_WRITE)) {
            assertThat(residentAfterSequentialReads(n)).isEqualTo(READS);
        }
    }

    @Test
    void aReadOnlyRawImageReadsAhead() throws Exception {
        makeRaw();
        try (RawFileNode n = RawFileNode.open(image, RawOptions.READ_ONLY)) {
            assertThat(residentAfterSequentialReads(n)).isGreaterThan(READS);
        }
    }

    /// The reads fetch one 64 KiB L2 table and one 64 KiB data cluster: 32 pages, nothing more.
    @Test
    void aWritableQcow2ImageReadsOnlyWhatIsAsked() throws Exception {
        makeQcow2();
        try (Qcow2Node n = Qcow2Node.open(image, true)) {
            assertThat(residentAfterSequentialReads(n)).isEqualTo(2 * READS);
        }
    }

    @Test
    void aReadOnlyQcow2ImageReadsAhead() throws Exception {
        makeQcow2();
        try (Qcow2Node n = Qcow2Node.open(image, false)) {
            assertThat(residentAfterSequentialReads(n)).isGreaterThan(2 * READS);
        }
    }

    private void makeRaw() throws Exception {
        image = dir.resolve("disk.raw");
        try (RawFileNode n = RawFileNode.create(image, SIZE)) {
            fill(n);
        }
    }

    private void makeQcow2() throws Exception {
        image = dir.resolve("disk.qcow2");
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(SIZE))) {
            fill(n);
        }
    }

    private static void fill(BlockNode n) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        while (chunk.hasRemaining()) {
            chunk.put((byte) 0x5a);
        }
        for (long at = 0; at < SIZE; at += chunk.capacity()) {
            n.write(at, chunk.clear(), false);
        }
        n.flush();
    }

    /// Drops the image's pages (the node is open: its header and tables are already read), reads
    /// [#READS] × 4 KiB sequentially through `n`, and counts the image's pages in the page cache.
    private long residentAfterSequentialReads(BlockNode n) throws Exception {
        Process dd = new ProcessBuilder("dd", "if=" + image, "iflag=nocache", "count=0", "status=none")
                .redirectErrorStream(true).start();
        assertThat(dd.waitFor()).as("dd dropping the file's pages: %s", new String(dd.getInputStream().readAllBytes()))
                .isZero();
        assertThat(residentPages()).as("the file's pages were dropped before the reads").isZero();
        ByteBuffer buf = ByteBuffer.allocateDirect(PAGE);
        for (int i = 0; i < READS; i++) {
            n.read(AT + (long) i * PAGE, buf.clear());
            assertThat(buf.get(0)).isEqualTo((byte) 0x5a);
        }
        return residentPages();
    }

    /// One mapping of the whole file, unmapped when its arena closes. (A mapping per page, left to
    /// the garbage collector, once crashed a CI JVM: 8 calls × 8192 pages passed `vm.max_map_count`.)
    private long residentPages() throws IOException {
        long count = 0;
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            for (long at = 0; at < file.byteSize(); at += PAGE) {
                if (file.asSlice(at, Math.min(PAGE, file.byteSize() - at)).isLoaded()) {
                    count++;
                }
            }
        }
        return count;
    }
}
