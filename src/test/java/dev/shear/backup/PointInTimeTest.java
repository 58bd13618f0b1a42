package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.block.MemoryNode;
import dev.shear.testing.ForwardingTestNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/// The central property: whatever the guest does while a backup runs, the backup equals the disks
/// as they were at the backup's point in time, byte for byte, and the disks hold every guest write.
/// Several disks, several guest threads, with and without fleecing, many seeds.
class PointInTimeTest {
    private static final long DISK = 8L << 20;
    private static final int K64 = 65536;

    @ParameterizedTest(name = "seed {0}, fleecing {1}, workers {2}, slow reads {3}")
    @CsvSource({
        "1, false, 4, false", "2, true, 4, false", "3, false, 1, false", "4, true, 1, false",
        "5, false, 16, false", "6, true, 16, false", "7, true, 2, true", "8, false, 2, true",
        "9, true, 8, true", "10, false, 8, true", "11, true, 4, true", "12, true, 1, true"})
    void backupEqualsThePointInTimeUnderConcurrentGuestWrites(long seed, boolean fleecing, int workers,
                                                             boolean slowReads) throws Exception {
        Random r = new Random(seed);
        List<MemoryNode> images = new ArrayList<>();
        List<byte[]> initial = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            MemoryNode img = new MemoryNode("disk" + d, DISK, K64);
            for (long off = 0; off < DISK; off += K64) {
                if (r.nextInt(4) > 0) {
                    byte[] b = new byte[K64];
                    r.nextBytes(b);
                    img.write(off, b);
                }
            }
            images.add(img);
            initial.add(img.read(0, (int) DISK));
        }
        // slow reads widen the window between a snapshot reader's lock and its read of the disk
        List<DrainableNode> seats = images.stream()
                .map(i -> new DrainableNode(slowReads ? ForwardingTestNode.slowReads(i, 300) : i)).toList();
        List<MemoryNode> targets = new ArrayList<>();
        List<GuestBackup.Disk> disks = new ArrayList<>();
        List<MemoryNode> fleeces = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            MemoryNode target = new MemoryNode("target" + d, DISK, K64);
            MemoryNode fleece = fleecing ? new MemoryNode("fleece" + d, DISK, K64) : null;
            targets.add(target);
            fleeces.add(fleece);
            disks.add(new GuestBackup.Disk("disk" + d, seats.get(d), target, fleece, null));
        }
        BackupOptions options = (fleecing ? BackupOptions.fleecingDefaults() : BackupOptions.defaults())
                .withSpeed(24L << 20).withPerf(new Perf(workers, 0, 0));
        List<BlockNode> guestDisks = new ArrayList<>(seats);
        List<byte[]> atPointInTime = new ArrayList<>();
        GuestBackup backup = GuestBackup.prepare("pit", disks, options, e -> { });
        List<byte[]> expectedDisks;
        try (GuestLoad load = new GuestLoad(guestDisks, 4, seed)) {
            Thread.sleep(20);                                   // the guest is busy before the instant
            backup.start(() -> {
                for (MemoryNode img : images) {
                    try {
                        atPointInTime.add(img.read(0, (int) DISK));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            GuestBackup.Result result = backup.await(60, TimeUnit.SECONDS);
            assertThat(result).as("backup finished").isNotNull();
            assertThat(result.state()).as("seed %d: %s", seed, result.error()).isEqualTo(JobState.COMPLETED);
            load.close();
            assertThat(load.ops.get()).as("the guest kept writing").isGreaterThan(100);
            expectedDisks = load.expected(initial);
        }
        for (int d = 0; d < 2; d++) {
            byte[] got = targets.get(d).read(0, (int) DISK);
            assertThat(firstDifference(got, atPointInTime.get(d)))
                    .as("seed %d disk %d: backup differs from the point in time at offset", seed, d).isEqualTo(-1);
            assertThat(firstDifference(images.get(d).read(0, (int) DISK), expectedDisks.get(d)))
                    .as("seed %d disk %d: live disk lost a guest write at offset", seed, d).isEqualTo(-1);
            assertThat(seats.get(d).delegate()).as("filter removed after the backup")
                    .isNotInstanceOf(dev.shear.copy.CbwFilter.class);
            if (fleecing) {
                assertThat(fleeces.get(d).allocatedBytes()).as("fleecing image emptied by discard-source").isZero();
            }
        }
    }

    static long firstDifference(byte[] a, byte[] b) {
        int i = Arrays.mismatch(a, b);
        return i;
    }
}
