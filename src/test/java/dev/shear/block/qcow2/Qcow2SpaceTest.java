package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.BlockStatus;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// Discard and write-zeroes with unmap give host space back (the file gets holes), and the freed
/// clusters are used again before the file grows; QEMU still finds the image clean.
class Qcow2SpaceTest {
    private static final int M = 1 << 20;

    @TempDir
    Path dir;

    private static long du(Path file) throws IOException {
        String out = Interop.run("du", "-B1", file.toString()).ok().stdout();
        return Long.parseLong(out.split("\\s+")[0]);
    }

    @ParameterizedTest(name = "{0}-byte clusters")
    @ValueSource(ints = {4096, 65536})
    void discardPunchesTheFileAndRewritingReusesTheFreedClusters(int clusterSize) throws IOException {
        Interop.require("qemu-img");
        Path image = dir.resolve("d.qcow2");
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(64 * M).withClusterSize(clusterSize))) {
            n.write(0, RandomWorkload.randomBytes(32 * M, 1));
            n.flush();
            long written = n.allocatedBytes();
            long fileSize = Files.size(image);
            assertThat(written).isGreaterThanOrEqualTo(32L * M);
            assertThat(du(image)).isEqualTo(written);

            n.discard(0, 32 * M);
            n.flush();
            assertThat(n.allocatedBytes()).as("after discard").isLessThan(written - 31L * M);
            assertThat(du(image)).isEqualTo(n.allocatedBytes());
            assertThat(n.blockStatus(0, 64 * M)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 64 * M));

            byte[] again = RandomWorkload.randomBytes(32 * M, 2);
            n.write(0, again);
            assertThat(Files.size(image)).as("rewriting after discard reuses the freed clusters").isEqualTo(fileSize);
            assertThat(n.read(0, 32 * M)).isEqualTo(again);
        }
        QemuTools.check(image).assertClean("after discard and rewrite");
    }

    @ParameterizedTest(name = "{0}-byte clusters")
    @ValueSource(ints = {512, 65536})
    void writeZeroesReleasesSpaceOnlyWhenItMayUnmap(int clusterSize) throws IOException {
        Interop.require("qemu-img");
        Path image = dir.resolve("z.qcow2");
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(16 * M).withClusterSize(clusterSize))) {
            n.write(0, RandomWorkload.randomBytes(8 * M, 3));
            long full = n.allocatedBytes();
            n.writeZeroes(0, 4 * M, false);
            assertThat(n.allocatedBytes()).as("zero without unmap keeps the clusters").isEqualTo(full);
            assertThat(n.blockStatus(0, 8 * M)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 4 * M));
            n.writeZeroes(0, 8 * M, true);
            // with 512-byte clusters the L2 tables between the data runs keep some 4 KiB file system blocks
            assertThat(n.allocatedBytes()).as("zero with unmap frees them").isLessThan(full / 4);
            assertThat(n.read(0, 8 * M)).containsOnly(0);
            n.write(M, RandomWorkload.randomBytes(M, 4));
            assertThat(n.allocatedBytes()).isLessThan(full);
        }
        QemuTools.check(image).assertClean("after zeroes");
        QemuTools.io(image, true, "read -P 0 0 1M", "read -P 0 2M 14M");
    }
}
