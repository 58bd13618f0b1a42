package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.DrainableNode;
import dev.shear.block.MemoryNode;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.copy.CbwFilter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FleecingGranularityTest {
    private static final long SIZE = 16L << 20;
    private static final int K4 = 4096;
    private static final int K64 = 65536;

    @Test
    void fourKibUpTo64GibThenCoarserToKeepBitmapsSmallButNeverCoarserThan64Kib() {
        assertThat(FleecingGranularity.forDisk(0)).isEqualTo(K4);
        assertThat(FleecingGranularity.forDisk(2L << 30)).isEqualTo(K4);
        assertThat(FleecingGranularity.forDisk(64L << 30)).isEqualTo(K4);
        assertThat(FleecingGranularity.forDisk((64L << 30) + 1)).isEqualTo(8192);
        assertThat(FleecingGranularity.forDisk(256L << 30)).isEqualTo(16384);
        assertThat(FleecingGranularity.forDisk(1L << 40)).isEqualTo(K64);
        assertThat(FleecingGranularity.forDisk(100L << 40)).isEqualTo(K64);
        for (long size : new long[] {1, 5L << 30, 64L << 30, 300L << 30, 1L << 40}) {
            assertThat((size + FleecingGranularity.forDisk(size) - 1) / FleecingGranularity.forDisk(size))
                    .as("clusters of a %d-byte disk", size).isLessThanOrEqualTo(FleecingGranularity.MAX_CLUSTERS);
        }
        assertThatThrownBy(() -> FleecingGranularity.forDisk(-1)).hasMessageContaining("negative");
    }

    /// A guest's 4 KiB write to a cluster the backup has not copied yet keeps exactly the old data
    /// of the fleecing image's cluster: 4 KiB in a Shear fleecing image, 64 KiB in one with QEMU's
    /// default clusters. The job still copies to the target at 64 KiB, the backup is the point in
    /// time, and discard-source leaves nothing behind in either image.
    @ParameterizedTest(name = "fleecing image clusters {0}")
    @ValueSource(ints = {K4, 16384, K64})
    void aSmallGuestWriteHoldsOnlyTheFleecingClusterItTouches(int fleeceCluster, @TempDir Path dir) throws Exception {
        MemoryNode img = new MemoryNode("disk", SIZE, K64);
        byte[] data = new byte[(int) SIZE];
        new Random(7).nextBytes(data);
        img.write(0, data);
        DrainableNode seat = new DrainableNode(img);
        MemoryNode target = new MemoryNode("t", SIZE, K64);
        try (Qcow2Node fleece = Qcow2Node.create(dir.resolve("fleece.qcow2"),
                Qcow2Options.of(SIZE).withClusterSize(fleeceCluster))) {
            GuestBackup b = GuestBackup.prepare("b", List.of(new GuestBackup.Disk("scsi0", seat, target, fleece, null)),
                    BackupOptions.fleecingDefaults().withSpeed(1L << 20), e -> { });
            b.start();
            b.pause();
            CbwFilter cbw = (CbwFilter) seat.delegate();
            assertThat(cbw.blockCopy().clusterSize()).isEqualTo(fleeceCluster);
            assertThat(b.jobs().get(0).blockCopy().clusterSize()).isEqualTo(K64);

            long at = SIZE - K64 + 3 * K4;       // inside the last 64 KiB cluster, which the job copies last
            seat.write(at, new byte[K4]);
            seat.write(at + 1000, new byte[100]);  // the same 4 KiB again: nothing more to keep
            assertThat(dataRuns(fleece)).containsExactly(
                    new long[] {at / fleeceCluster * fleeceCluster, fleeceCluster});

            b.setSpeed(0);
            b.resume();
            GuestBackup.Result r = b.await(30, TimeUnit.SECONDS);
            assertThat(r.state()).isEqualTo(JobState.COMPLETED);
            assertThat(target.read(0, (int) SIZE)).isEqualTo(data);
            assertThat(dataRuns(fleece)).as("discard-source freed the fleecing image").isEmpty();
        }
    }

    private static List<long[]> dataRuns(BlockNode n) throws Exception {
        List<long[]> runs = new ArrayList<>();
        for (long pos = 0; pos < n.size(); ) {
            BlockStatus s = n.blockStatus(pos, n.size() - pos);
            if (s.state() == BlockStatus.State.DATA) {
                runs.add(new long[] {s.offset(), s.length()});
            }
            pos = s.offset() + s.length();
        }
        return runs;
    }
}
