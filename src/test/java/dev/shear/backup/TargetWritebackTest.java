package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.DrainableNode;
import dev.shear.block.FilterNode;
import dev.shear.block.MemoryNode;
import dev.shear.block.RawFileNode;
import dev.shear.testing.PageCache;
import dev.shear.util.Scheduling;
import dev.shear.util.ThreadStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// Decision 0018: a backup's target file does not pile up dirty pages for the kernel to write in
/// one burst; they go out while the job runs. The target is a raw file under `target/` (on the
/// build's disk: a tmpfs has no writeback).
@Timeout(60)
class TargetWritebackTest {
    private static final long SIZE = 16L << 20;
    private static final long PAGE = 4096;

    @Test
    void theTargetsDirtyPagesStayFewWhileAThrottledBackupRuns() throws Throwable {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-scratch")), "target-wb-");
        Path file = dir.resolve("target.raw");
        MemoryNode disk = new MemoryNode("disk", SIZE, 65536);
        byte[] data = new byte[(int) SIZE];
        new Random(5).nextBytes(data);
        disk.write(0, data);
        try (RawFileNode target = RawFileNode.create(file, SIZE)) {
            PageCache.requireWriteback(file);
            GuestBackup b = GuestBackup.prepare("wb", List.of(new GuestBackup.Disk("scsi0", new DrainableNode(disk),
                    target, null, null)), BackupOptions.defaults().withSpeed(2L << 20), e -> { });
            b.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (b.jobs().get(0).blockCopy().bytesDone() < (6L << 20) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long written = b.jobs().get(0).blockCopy().bytesDone();
            Thread.sleep(300);
            long dirty = PageCache.dirtyPages(file) * PAGE;
            b.setSpeed(0);
            // paced every WritebackPacer.INTERVAL (about 20 KiB here); unpaced, all of it stays dirty
            assertThat(written).isGreaterThanOrEqualTo(6L << 20);
            assertThat(dirty).as("dirty bytes of the target after %d bytes were copied", written)
                    .isLessThan(4L << 20);
            assertThat(b.await(30, TimeUnit.SECONDS).state()).isEqualTo(JobState.COMPLETED);
            assertThat(target.read(0, (int) SIZE)).isEqualTo(data);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /// Decision 0024: starting the writeback is the backup's own work, which no guest request
    /// waits for: the pacer's thread runs under the background policy.
    @Test
    void theTargetsWritebackIsStartedByABackgroundThread() throws Throwable {
        MemoryNode disk = new MemoryNode("disk", SIZE, 65536);
        byte[] data = new byte[(int) SIZE];
        new Random(7).nextBytes(data);            // data, not zeroes: copied at the set speed, for seconds
        disk.write(0, data);
        List<Long> policies = new CopyOnWriteArrayList<>();
        FilterNode target = new FilterNode(new MemoryNode("target", SIZE, 65536)) {
            @Override
            public String describe() {
                return "recording target";
            }

            @Override
            public void startWriteback() throws IOException {
                policies.add(ThreadStats.policy());
                super.startWriteback();
            }
        };
        GuestBackup b = GuestBackup.prepare("wb-policy", List.of(new GuestBackup.Disk("scsi0", new DrainableNode(disk),
                target, null, null)), BackupOptions.defaults().withSpeed(4L << 20), e -> { });
        b.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (policies.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        b.setSpeed(0);
        assertThat(b.await(30, TimeUnit.SECONDS).state()).isEqualTo(JobState.COMPLETED);
        assertThat(policies).as("policies of the threads that started the target's writeback").hasSizeGreaterThanOrEqualTo(3);
        if (Scheduling.BACKGROUND_NICE > 0) {
            assertThat(policies).containsOnly(ThreadStats.BATCH);
        }
    }
}

