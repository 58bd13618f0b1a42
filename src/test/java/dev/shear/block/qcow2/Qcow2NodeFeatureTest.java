package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// Qcow2 behaviour beyond the generic contract, on images Shear creates: backing files and
/// copy-on-write, zero clusters, block status, the bounded L2 cache, concurrency, read-only opens
/// and option checks.
class Qcow2NodeFeatureTest {
    private static final int K = 1024;
    private static final int M = K * K;

    @TempDir
    Path dir;

    @Test
    void theL2CacheStaysWithinItsBoundAndDataSurvivesEvictions() throws IOException {
        Path image = dir.resolve("c.qcow2");
        byte[] data = RandomWorkload.randomBytes(2 * M, 1);
        Qcow2CacheSize small = new Qcow2CacheSize(4, 2);
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(4 * M).withClusterSize(512), small)) {
            n.write(0, data);   // 64 L2 tables of 32 KiB each
            assertThat(n.cachedL2Tables()).isBetween(1, 4);
        }
        try (Qcow2Node n = Qcow2Node.open(image, false, small)) {
            for (int off = 0; off < 2 * M; off += 48 * K) {
                int len = Math.min(48 * K, 2 * M - off);
                assertThat(n.read(off, len)).as("at %d", off).isEqualTo(Arrays.copyOfRange(data, off, off + len));
            }
            assertThat(n.cachedL2Tables()).isBetween(1, 4);
        }
    }

    @Test
    void theDefaultCacheKeepsAsMuchL2MemoryForSmallClustersAsFor64Kib() throws IOException {
        assertThat(Qcow2CacheSize.forClusterSize(64 * K)).isEqualTo(Qcow2CacheSize.DEFAULT);
        assertThat(Qcow2CacheSize.forClusterSize(2 * M)).isEqualTo(new Qcow2CacheSize(64, 16));
        Path image = dir.resolve("fine.qcow2");
        // 4 KiB clusters: one L2 table maps 2 MiB; 1024 of them fit the default's 4 MiB (64 would map 128 MiB)
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(4096L * M).withClusterSize(4096))) {
            for (int t = 0; t < 1100; t++) {
                n.write(t * 2L * M, new byte[] {1});
                if (t == 299) {
                    assertThat(n.cachedL2Tables()).isEqualTo(300);
                }
            }
            assertThat(n.cachedL2Tables()).isEqualTo(1024);
        }
    }

    @Test
    void partialWritesOverABackingFileCopyTheRestOfTheClusterAndStatusShowsWhatIsOwn() throws IOException {
        byte[] baseData = RandomWorkload.randomBytes(4 * M, 2);
        try (Qcow2Node base = Qcow2Node.create(dir.resolve("base.qcow2"), Qcow2Options.of(4 * M).withClusterSize(4096))) {
            base.write(0, baseData);
        }
        Path top = dir.resolve("top.qcow2");
        byte[] expect = Arrays.copyOf(baseData, 6 * M);
        try (Qcow2Node n = Qcow2Node.create(top, Qcow2Options.of(6 * M)
                .withBacking("base.qcow2", Qcow2Options.BackingFormat.QCOW2))) {
            assertThat(n.hasBacking()).isTrue();
            n.write(70_000, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            System.arraycopy(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, expect, 70_000, 10);
            n.writeZeroes(2 * M, 64 * K, true);
            Arrays.fill(expect, 2 * M, 2 * M + 64 * K, (byte) 0);
            n.discard(3 * M, 64 * K);       // unallocated here: the backing data stays visible
            assertThat(n.read(0, 6 * M)).isEqualTo(expect);
            assertThat(n.blockStatus(0, 6 * M)).isEqualTo(new BlockStatus(BlockStatus.State.UNALLOCATED, 0, 64 * K));
            assertThat(n.blockStatus(64 * K, 6 * M - 64 * K))
                    .isEqualTo(new BlockStatus(BlockStatus.State.DATA, 64 * K, 64 * K));
            assertThat(n.blockStatus(128 * K, 6 * M - 128 * K))
                    .isEqualTo(new BlockStatus(BlockStatus.State.UNALLOCATED, 128 * K, 2 * M - 128 * K));
            assertThat(n.blockStatus(2 * M, 4 * M)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 2 * M, 64 * K));
            assertThat(n.blockStatus(3 * M, 3 * M).state()).isEqualTo(BlockStatus.State.UNALLOCATED);
            n.write(64 * K, RandomWorkload.randomBytes(64 * K, 3));
            n.discard(64 * K, 64 * K);      // our data: zeroes, never the backing data again
            Arrays.fill(expect, 64 * K, 128 * K, (byte) 0);
            assertThat(n.read(0, 6 * M)).isEqualTo(expect);
        }
        try (Qcow2Node again = Qcow2Node.open(top, false)) {
            assertThat(again.read(0, 6 * M)).isEqualTo(expect);
        }
    }

    @Test
    void zeroWithoutUnmapKeepsTheClusterWhichPartialWritesThenReuse() throws IOException {
        try (Qcow2Node n = Qcow2Node.create(dir.resolve("z.qcow2"), Qcow2Options.of(M))) {
            n.write(0, RandomWorkload.randomBytes(128 * K, 4));
            n.flush();
            long allocated = n.allocatedBytes();
            n.writeZeroes(0, 64 * K, false);
            assertThat(n.blockStatus(0, M)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 64 * K));
            n.write(100, new byte[] {7, 7, 7});
            byte[] expect = new byte[64 * K];
            expect[100] = expect[101] = expect[102] = 7;
            assertThat(n.read(0, 64 * K)).isEqualTo(expect);
            assertThat(n.blockStatus(0, M)).isEqualTo(new BlockStatus(BlockStatus.State.DATA, 0, 128 * K));
            assertThat(n.allocatedBytes()).as("the kept cluster was reused").isEqualTo(allocated);
        }
    }

    @Test
    void blockStatusMergesClustersAndNeverReportsMoreThanAsked() throws IOException {
        try (Qcow2Node n = Qcow2Node.create(dir.resolve("s.qcow2"), Qcow2Options.of(4 * M))) {
            n.write(0, RandomWorkload.randomBytes(192 * K, 5));
            n.writeZeroes(192 * K, 64 * K, false);
            assertThat(n.blockStatus(0, 4 * M)).isEqualTo(new BlockStatus(BlockStatus.State.DATA, 0, 192 * K));
            assertThat(n.blockStatus(100, 10)).isEqualTo(new BlockStatus(BlockStatus.State.DATA, 100, 10));
            assertThat(n.blockStatus(192 * K, 4 * M - 192 * K))
                    .as("zero-flagged and unallocated clusters form one ZERO run")
                    .isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 192 * K, 4 * M - 192 * K));
            assertThat(n.blockStatus(4 * M, 0).length()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}-byte clusters")
    @ValueSource(ints = {512, 65536})
    void concurrentAllocatingWritesZeroesDiscardsAndReadsStayConsistent(int clusterSize) throws Exception {
        int threads = 6;
        int chunk = 8 * K;   // threads interleave chunks, so they share L2 tables and refcount blocks
        int size = 6 * M;
        byte[] oracle = new byte[size];
        try (Qcow2Node n = Qcow2Node.create(dir.resolve("t.qcow2"), Qcow2Options.of(size).withClusterSize(clusterSize))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    fs.add(pool.submit(() -> ownChunks(n, oracle, id, threads, chunk)));
                }
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        n.blockStatus(0, size);
                        n.read((long) (i % 48) * (size / 48), size / 48);
                    }
                    return null;
                }));
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertThat(n.read(0, size)).isEqualTo(oracle);
        }
        try (Qcow2Node again = Qcow2Node.open(dir.resolve("t.qcow2"), false)) {
            assertThat(again.read(0, size)).isEqualTo(oracle);
        }
        QemuTools.check(dir.resolve("t.qcow2")).assertClean("after concurrent requests");
    }

    /// Random writes, zeroes and discards on the chunks thread `id` owns; its part of `oracle` follows.
    private static Void ownChunks(Qcow2Node n, byte[] oracle, int id, int threads, int chunk) throws IOException {
        Random r = new Random(id);
        int chunks = oracle.length / chunk / threads;
        for (int op = 0; op < 150; op++) {
            int off = (r.nextInt(chunks) * threads + id) * chunk;
            int a = r.nextInt(chunk);
            int len = 1 + r.nextInt(chunk - a);
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    byte[] d = RandomWorkload.randomBytes(len, r.nextLong());
                    n.write(off + a, ByteBuffer.wrap(d), false);
                    System.arraycopy(d, 0, oracle, off + a, len);
                }
                case 2 -> {
                    n.writeZeroes(off + a, len, r.nextBoolean());
                    Arrays.fill(oracle, off + a, off + a + len, (byte) 0);
                }
                default -> {
                    n.discard(off, chunk);   // zeroes where it covers whole clusters, else unchanged
                    byte[] now = n.read(off, chunk);
                    boolean zero = Arrays.equals(now, new byte[chunk]);
                    assertThat(zero || Arrays.equals(now, 0, chunk, oracle, off, off + chunk))
                            .as("thread %d: discarded chunk at %d reads as zeroes or as before", id, off).isTrue();
                    System.arraycopy(now, 0, oracle, off, chunk);
                }
            }
        }
        return null;
    }

    @Test
    void readOnlyNodesRefuseChangesButRead() throws IOException {
        Path image = dir.resolve("r.qcow2");
        try (Qcow2Node n = Qcow2Node.create(image, Qcow2Options.of(M))) {
            n.write(0, new byte[] {9});
        }
        byte[] before = Files.readAllBytes(image);
        try (Qcow2Node n = Qcow2Node.open(image, false)) {
            assertThat(n.read(0, 1)).containsExactly(9);
            assertThatThrownBy(() -> n.write(0, new byte[1])).isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only").hasMessageContaining(image.toString());
            assertThatThrownBy(() -> n.writeZeroes(0, 512, true)).hasMessageContaining("read-only");
            assertThatThrownBy(() -> n.discard(0, 512)).hasMessageContaining("read-only");
            n.flush();
        }
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
    }

    @Test
    void createRefusesBadOptionsAnExistingFileAndAMissingBackingFile() throws IOException {
        assertThatThrownBy(() -> Qcow2Options.of(M).withClusterSize(3000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cluster size 3000");
        assertThatThrownBy(() -> Qcow2Options.of(M).withClusterSize(256)).hasMessageContaining("cluster size 256");
        assertThatThrownBy(() -> Qcow2Options.of(M).withClusterSize(4 * M)).hasMessageContaining("cluster size");
        assertThatThrownBy(() -> Qcow2Options.of(1000)).hasMessageContaining("virtual size 1000");
        assertThatThrownBy(() -> Qcow2Options.of(0)).hasMessageContaining("virtual size 0");
        assertThatThrownBy(() -> new Qcow2Options(256L << 30, 512, null))
                .hasMessageContaining("too large for 512-byte clusters");
        assertThatThrownBy(() -> Qcow2Options.of(M).withBacking(" ", Qcow2Options.BackingFormat.RAW))
                .hasMessageContaining("backing file name");

        Path existing = Files.write(dir.resolve("x.qcow2"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Qcow2Node.create(existing, Qcow2Options.of(M)))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(existing)).containsExactly(1, 2, 3);

        Path top = dir.resolve("top.qcow2");
        assertThatThrownBy(() -> Qcow2Node.create(top, Qcow2Options.of(M)
                .withBacking("nope.qcow2", Qcow2Options.BackingFormat.QCOW2)))
                .isInstanceOf(IOException.class).hasMessageContaining("nope.qcow2");
        Files.write(dir.resolve("raw.img"), new byte[4096]);
        assertThatThrownBy(() -> Qcow2Node.create(top, Qcow2Options.of(M)
                .withBacking("raw.img", Qcow2Options.BackingFormat.QCOW2)))
                .isInstanceOf(Qcow2FormatException.class).hasMessageContaining("magic");
        assertThat(top).doesNotExist();
    }
}
