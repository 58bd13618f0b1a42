package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/// A process killed at any write leaves an image QEMU finds free of corruption (leaks allowed), whose
/// completed writes are all there and which Shear keeps writing without harm. The crash is simulated
/// by a [CrashingHostFile] that refuses the N-th change and everything after it, for every N of a
/// seeded random workload; with 512-byte clusters the workload also grows the refcount table.
class Qcow2CrashTest {
    private static final int SIZE = 12 << 20;
    private static final int OPS = 16;
    /// Data written before the crashes: with 512-byte clusters, the host file (data plus 2 % metadata)
    /// then nearly fills the 8 MiB that one refcount table cluster covers.
    private static final int PREFILL = 8020 << 10;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}-byte clusters, seed {1}")
    @CsvSource({"512, 11", "4096, 12"})
    void aCrashAtAnyWriteLeavesNoCorruptionAndLosesNoCompletedWrite(int clusterSize, long seed)
            throws IOException {
        Interop.require("qemu-img");
        Path base = dir.resolve("base.qcow2");
        byte[] before = new byte[SIZE];
        new Random(seed).nextBytes(before);
        Arrays.fill(before, PREFILL, SIZE, (byte) 0);
        try (Qcow2Node n = Qcow2Node.create(base, new Qcow2Options(SIZE, clusterSize, null))) {
            n.write(0, Arrays.copyOf(before, PREFILL));
        }
        CrashingHostFile dry = dryRun(copyOf(base), clusterSize, seed, before.clone());
        if (clusterSize == 512) {
            assertThat(dry.log()).as("the workload grows the refcount table (rewrites the header)")
                    .anyMatch(offset -> offset >= 0 && offset < clusterSize);
        }
        for (long crashAt = 1; crashAt <= dry.changes(); crashAt++) {
            crashAndRecover(base, clusterSize, seed, before, crashAt, crashAt % 8 == 0);
        }
    }

    private Path copyOf(Path base) throws IOException {
        return Files.copy(base, dir.resolve("crash.qcow2"), StandardCopyOption.REPLACE_EXISTING);
    }

    /// Runs the whole workload on `image` without a crash, counting its changes.
    private static CrashingHostFile dryRun(Path image, int clusterSize, long seed, byte[] oracle) throws IOException {
        CrashingHostFile host = new CrashingHostFile(ChannelHostFile.open(image, true), Long.MAX_VALUE);
        try (Qcow2Node node = Qcow2Node.open(host, true, Qcow2CacheSize.DEFAULT, 0)) {
            workload(new RandomWorkload(seed, clusterSize, oracle), node);
        }
        return host;
    }

    /// Two writes past the prefilled part first (they need new refcount blocks, and with 512-byte
    /// clusters a bigger refcount table), then random operations.
    private static void workload(RandomWorkload w, Qcow2Node node) throws IOException {
        Random r = new Random(7);
        byte[] a = new byte[256 << 10];
        r.nextBytes(a);
        w.write(node, 10 << 20, a);
        byte[] b = new byte[768 << 10];
        r.nextBytes(b);
        w.write(node, 11 << 20, b);
        w.run(node, OPS);
    }

    /// Crashes at change `crashAt`, checks the image, reopens it, checks the data, writes more and
    /// (with `checkAgain`) has QEMU check it once more.
    private void crashAndRecover(Path base, int clusterSize, long seed, byte[] before, long crashAt,
                                 boolean checkAgain) throws IOException {
        String what = "seed " + seed + ", crash at change " + crashAt;
        Path image = copyOf(base);
        byte[] oracle = before.clone();
        RandomWorkload w = new RandomWorkload(seed, clusterSize, oracle);
        CrashingHostFile host = new CrashingHostFile(ChannelHostFile.open(image, true), crashAt);
        Qcow2Node node = Qcow2Node.open(host, true, Qcow2CacheSize.DEFAULT, 0);
        IOException crash = assertThrows(IOException.class, () -> workload(w, node), what);
        assertThat(crash).as(what).hasStackTraceContaining("simulated crash");
        w.lastFailed();
        assertThatThrownBy(node::close).as("%s: no flush after the crash", what).isInstanceOf(IOException.class);
        QemuTools.check(image).assertNoCorruption(what);
        try (Qcow2Node again = Qcow2Node.open(image, true)) {
            byte[] got = again.read(0, SIZE);
            assertThat(w.firstDifference(got)).as("%s: first byte of a completed operation that is lost", what)
                    .isEqualTo(-1);
            new RandomWorkload(seed * 31 + crashAt, clusterSize, got).run(again, 8);
            assertThat(again.read(0, SIZE)).as("%s: writing after recovery", what).isEqualTo(got);
        }
        if (checkAgain) {
            QemuTools.check(image).assertNoCorruption(what + ", after more writes");
        }
    }
}
