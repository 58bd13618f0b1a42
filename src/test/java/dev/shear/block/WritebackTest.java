package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.testing.PageCache;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// Decision 0018: a writable image's dirty page-cache data goes to storage when asked
/// ([BlockNode#startWriteback]), and [WritebackPacer] asks regularly. The file's dirty pages are
/// counted with `cachestat` ([PageCache]): without the call the kernel keeps them dirty for 30 s.
/// The directory is under `target/`, on the disk the build uses (a tmpfs has no writeback).
@Timeout(60)
class WritebackTest {
    private static final long SIZE = 16L << 20;
    private static final int WRITTEN = 8 << 20;
    private Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-scratch")), "writeback-");
    }

    @AfterEach
    void removeDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    void aWritableRawImageWritesItsDirtyPagesBackWhenAsked() throws Throwable {
        Path image = dir.resolve("disk.raw");
        try (RawFileNode n = RawFileNode.create(image, SIZE)) {
            assertWrittenBackWhenAsked(n, image);
        }
    }

    @Test
    void aWritableQcow2ImageWritesItsDirtyPagesBackWhenAsked() throws Throwable {
        Path image = dir.resolve("disk.qcow2");
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(SIZE))) {
            assertWrittenBackWhenAsked(n, image);
        }
    }

    private static void assertWrittenBackWhenAsked(BlockNode n, Path image) throws Throwable {
        byte[] data = new byte[WRITTEN];
        new Random(7).nextBytes(data);
        n.write(0, ByteBuffer.wrap(data), false);
        PageCache.requireWriteback(image);
        assertThat(PageCache.dirtyPages(image)).as("dirty pages after the writes").isPositive();
        n.startWriteback();
        assertThat(PageCache.awaitClean(image, Duration.ofSeconds(20))).as("dirty pages after startWriteback").isZero();
    }

    @Test
    void readOnlyImagesHaveNothingToWriteBackAndAClosedOneRefuses() throws Exception {
        Path raw = dir.resolve("ro.raw");
        RawFileNode.create(raw, SIZE).close();
        try (RawFileNode n = RawFileNode.open(raw, RawOptions.READ_ONLY)) {
            n.startWriteback();
        }
        RawFileNode closed = RawFileNode.open(raw, RawOptions.READ_WRITE);
        closed.close();
        assertThatThrownBy(closed::startWriteback).isInstanceOf(IOException.class);
    }

    @Test
    void aNodeThatGrowsFasterThanTheLimitIsLeftToTheKernel() throws Exception {
        AtomicInteger fastAsked = new AtomicInteger();
        AtomicInteger slowAsked = new AtomicInteger();
        BlockNode fast = growing(16L << 20, fastAsked);
        BlockNode slow = growing(64L << 10, slowAsked);
        WritebackPacer pacer = WritebackPacer.start("test-growth", List.of(fast, slow), WritebackPacer.TARGET_GROWTH_LIMIT);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (pacer.rounds() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        pacer.close();
        assertThat(slowAsked.get()).as("written slowly: paced every round").isEqualTo((int) pacer.rounds());
        assertThat(fastAsked.get()).as("written fast: left to the kernel").isZero();
    }

    /// A node whose allocation grows by `step` bytes each time it is asked for it.
    private static BlockNode growing(long step, AtomicInteger asked) {
        return new FilterNode(new MemoryNode(SIZE)) {
            private long allocated;

            @Override
            public long allocatedBytes() {
                allocated += step;
                return allocated;
            }

            @Override
            public void startWriteback() {
                asked.incrementAndGet();
            }

            @Override
            public String describe() {
                return "growing node";
            }
        };
    }

    @Test
    void thePacerAsksEveryIntervalKeepsAskingAFailingNodeAndStopsWhenClosed() throws Exception {
        AtomicInteger good = new AtomicInteger();
        AtomicInteger bad = new AtomicInteger();
        BlockNode counting = new FilterNode(new MemoryNode(SIZE)) {
            @Override
            public void startWriteback() {
                good.incrementAndGet();
            }

            @Override
            public String describe() {
                return "counting node";
            }
        };
        BlockNode failing = new FilterNode(new MemoryNode(SIZE)) {
            @Override
            public void startWriteback() throws IOException {
                bad.incrementAndGet();
                throw new IOException("storage gone");
            }

            @Override
            public String describe() {
                return "failing node";
            }
        };
        WritebackPacer pacer = WritebackPacer.start("test-writeback", List.of(failing, counting), WritebackPacer.ALWAYS);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (pacer.rounds() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        pacer.close();
        assertThat(pacer.rounds()).isGreaterThanOrEqualTo(5);
        assertThat(good.get()).isEqualTo((int) pacer.rounds());
        assertThat(bad.get()).as("the failing node is asked every round too").isEqualTo((int) pacer.rounds());
        int after = good.get();
        Thread.sleep(3 * WritebackPacer.INTERVAL.toMillis());
        assertThat(good.get()).as("no rounds after close").isEqualTo(after);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("test-writeback"));
    }
}
