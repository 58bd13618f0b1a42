package dev.shear.block;

import static dev.shear.block.BlockNodeContractTest.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// Real tools read the same file the same way: `qemu-img map` agrees with block status, `qemu-io`
/// reads what the node wrote and the node reads what `qemu-io` wrote, `du` agrees on allocation.
class RawFileNodeInteropTest {
    @TempDir
    Path dir;

    /// A run of the file as both sides see it: data, or a hole that reads as zeroes.
    record Run(long start, long length, boolean data) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void blockStatusAgreesWithQemuImgMap(long seed) throws IOException {
        Interop.require("qemu-img");
        Path f = dir.resolve("map-" + seed + ".raw");
        Random r = new Random(seed);
        List<Run> ours;
        try (RawFileNode n = RawFileNode.create(f, 16L << 20)) {
            int bs = n.clusterSize();
            long blocks = n.size() / bs;
            for (int op = 0; op < 40; op++) {
                long off = r.nextLong(blocks) * bs;
                long len = Math.min((1 + r.nextInt(64)) * (long) bs, n.size() - off);
                switch (r.nextInt(3)) {
                    case 0 -> n.write(off, pattern((int) len, r.nextLong()));
                    case 1 -> n.discard(off, len);
                    default -> n.writeZeroes(off, len, true);
                }
            }
            n.flush();
            ours = tile(n);
        }
        String json = Interop.run("qemu-img", "map", "--output=json", "-f", "raw", f.toString()).ok().stdout();
        List<Run> theirs = new ArrayList<>();
        for (JsonNode e : new ObjectMapper().readTree(json)) {
            add(theirs, new Run(e.get("start").asLong(), e.get("length").asLong(), e.get("data").asBoolean()));
        }
        assertThat(ours).as("seed %d: our block status vs qemu-img map", seed).isEqualTo(theirs);
        assertThat(ours).as("seed %d: the layout has both data and holes", seed)
                .anyMatch(Run::data).anyMatch(run -> !run.data());
    }

    private static List<Run> tile(BlockNode n) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (long pos = 0; pos < n.size(); ) {
            BlockStatus s = n.blockStatus(pos, n.size() - pos);
            add(runs, new Run(s.offset(), s.length(), s.state() == BlockStatus.State.DATA));
            pos = s.end();
        }
        return runs;
    }

    /// Appends `run`, merging it with the last one when both have the same state.
    private static void add(List<Run> runs, Run run) {
        if (!runs.isEmpty()) {
            Run last = runs.getLast();
            if (last.data() == run.data() && last.start() + last.length() == run.start()) {
                runs.set(runs.size() - 1, new Run(last.start(), last.length() + run.length(), run.data()));
                return;
            }
        }
        runs.add(run);
    }

    @Test
    void qemuIoReadsWhatTheNodeWroteAndTheNodeReadsWhatQemuIoWrote() throws IOException {
        Interop.require("qemu-io");
        Path f = dir.resolve("io.raw");
        try (RawFileNode n = RawFileNode.create(f, 8L << 20)) {
            byte[] ab = new byte[1 << 20];
            java.util.Arrays.fill(ab, (byte) 0xab);
            n.write(1 << 20, ab);
            n.writeZeroes(1 << 20, 4096, true);
            n.flush();
            Interop.run("qemu-io", "-f", "raw", "-r",
                    "-c", "read -P 0xab 1052672 1044480",
                    "-c", "read -P 0 1048576 4096",
                    "-c", "read -P 0 0 1048576",
                    f.toString()).ok();

            Interop.run("qemu-io", "-f", "raw",
                    "-c", "write -P 0xcd 3M 64k",
                    "-c", "write -z 1536k 4k",
                    f.toString()).ok();
            byte[] cd = n.read(3L << 20, 65536);
            assertThat(cd).containsOnly((byte) 0xcd);
            assertThat(n.read(1536L << 10, 4096)).containsOnly(0);
            assertThat(n.read((1536L << 10) + 4096, 4096)).containsOnly((byte) 0xab);
        }
    }

    @Test
    void qemuIoPatternCheckFailsOnWrongData() throws IOException {
        Interop.require("qemu-io");
        Path f = dir.resolve("wrong.raw");
        try (RawFileNode n = RawFileNode.create(f, 1 << 20)) {
            n.write(0, new byte[] {1, 2, 3});
            n.flush();
        }
        Interop.Result r = Interop.run("qemu-io", "-f", "raw", "-r", "-c", "read -P 0 0 4096", f.toString());
        assertThat(r.exitCode()).as("the pattern check above is meaningful only if it can fail").isNotZero();
        assertThat(r.stdout()).contains("Pattern verification failed");
    }

    @Test
    void allocatedBytesAgreesWithDu() throws IOException {
        Interop.require("du");
        Path f = dir.resolve("du.raw");
        try (RawFileNode n = RawFileNode.create(f, 16L << 20)) {
            n.write(0, pattern(6 << 20, 41));
            n.flush();
            assertThat(n.allocatedBytes()).isEqualTo(du(f)).isGreaterThanOrEqualTo(6L << 20);
            n.discard(1 << 20, 4 << 20);
            assertThat(n.allocatedBytes()).isEqualTo(du(f)).isLessThanOrEqualTo(2L << 20);
        }
    }

    private static long du(Path f) throws IOException {
        return Long.parseLong(Interop.run("du", "-B1", f.toString()).ok().stdout().split("\\s+")[0]);
    }
}
