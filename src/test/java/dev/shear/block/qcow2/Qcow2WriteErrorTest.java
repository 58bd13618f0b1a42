package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// A write error (a full disk that frees up again) fails only the request it hit: the node stays
/// usable, its cached metadata still matches the file (a second node opened on the file reads the
/// same), every other request's data is intact and
/// QEMU finds no corruption (a leaked cluster at most). Tried at every write of a seeded workload
/// with 512-byte clusters, where requests allocate L2 tables and refcount blocks all the time.
class Qcow2WriteErrorTest {
    private static final int SIZE = 2 << 20;
    private static final int OPS = 24;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22})
    void aFailedWriteFailsOnlyItsRequest(long seed) throws IOException {
        Interop.require("qemu-img");
        Path base = dir.resolve("base.qcow2");
        Qcow2Node.create(base, new Qcow2Options(SIZE, 512, null)).close();
        CrashingHostFile dry = CrashingHostFile.transientFault(ChannelHostFile.open(copy(base), true), -1);
        try (Qcow2Node n = Qcow2Node.open(dry, true, Qcow2CacheSize.DEFAULT, 0)) {
            new RandomWorkload(seed, 512, new byte[SIZE]).run(n, OPS);
        }
        for (long failAt = 1; failAt <= dry.changes(); failAt++) {
            failOnceAndCarryOn(base, seed, failAt);
        }
    }

    private Path copy(Path base) throws IOException {
        return Files.copy(base, dir.resolve("e.qcow2"), StandardCopyOption.REPLACE_EXISTING);
    }

    private void failOnceAndCarryOn(Path base, long seed, long failAt) throws IOException {
        String what = "seed " + seed + ", write error at change " + failAt;
        Path image = copy(base);
        RandomWorkload w = new RandomWorkload(seed, 512, new byte[SIZE]);
        int failures = 0;
        try (Qcow2Node n = Qcow2Node.open(CrashingHostFile.transientFault(ChannelHostFile.open(image, true), failAt),
                true, Qcow2CacheSize.DEFAULT, 0)) {
            for (int op = 0; op < OPS; op++) {
                try {
                    w.step(n);
                } catch (IOException e) {
                    assertThat(e).as(what).hasStackTraceContaining("simulated write error");
                    w.lastFailed();
                    failures++;
                    try (Qcow2Node fresh = Qcow2Node.open(image, false)) {
                        assertThat(n.read(0, SIZE)).as("%s: what the node caches is what the file says", what)
                                .isEqualTo(fresh.read(0, SIZE));
                    }
                }
            }
            assertThat(failures).as("%s: exactly one request fails", what).isEqualTo(1);
            assertThat(w.firstDifference(n.read(0, SIZE))).as("%s: first wrong byte, same node", what).isEqualTo(-1);
        }
        QemuTools.check(image).assertNoCorruption(what);
        try (Qcow2Node again = Qcow2Node.open(image, false)) {
            assertThat(w.firstDifference(again.read(0, SIZE))).as("%s: first wrong byte, reopened", what).isEqualTo(-1);
        }
    }

    @Test
    void aDiscardFailingInItsSecondL2TableStillFreesWhatTheFirstDropped() throws IOException {
        Interop.require("qemu-img");
        int table = 64 * 512;                               // one L2 table of 512-byte clusters maps 32 KiB
        Path image = dir.resolve("d.qcow2");
        byte[] data = RandomWorkload.randomBytes(2 * table, 5);
        try (Qcow2Node n = Qcow2Node.create(image, new Qcow2Options(SIZE, 512, null))) {
            n.write(0, ByteBuffer.wrap(data), false);
        }
        CrashingHostFile dry = CrashingHostFile.transientFault(ChannelHostFile.open(copy(image), true), -1);
        long before;
        try (Qcow2Node n = Qcow2Node.open(dry, true, Qcow2CacheSize.DEFAULT, 0)) {
            before = dry.changes();
            n.discard(0, 2L * table);
        }
        // the discard's changes: table 1's L2 entries, table 2's, then punches and refcounts
        long secondTable = before + 2;
        try (Qcow2Node n = Qcow2Node.open(CrashingHostFile.transientFault(ChannelHostFile.open(image, true), secondTable),
                true, Qcow2CacheSize.DEFAULT, 0)) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> n.discard(0, 2L * table)))
                    .hasMessageContaining("simulated write error at change " + secondTable);
            assertThat(n.read(0, table)).as("the first table's clusters are discarded").isEqualTo(new byte[table]);
            assertThat(n.read(table, table)).as("the second table's are not").isEqualTo(Arrays.copyOfRange(data, table, 2 * table));
        }
        QemuTools.check(image).assertClean("the clusters the first table dropped are free again, not leaked");
    }
}
