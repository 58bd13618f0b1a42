package dev.shear.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.FilterNode;
import dev.shear.block.MemoryNode;
import dev.shear.testing.ForwardingTestNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BlockCopyTest {
    private static final int K64 = 65536;

    static MemoryNode filled(long size, long seed, double dataFraction) throws IOException {
        MemoryNode n = new MemoryNode("src", size, K64);
        Random r = new Random(seed);
        for (long off = 0; off < size; off += K64) {
            if (r.nextDouble() < dataFraction) {
                byte[] b = new byte[K64];
                r.nextBytes(b);
                n.write(off, b);
            }
        }
        return n;
    }

    private static BlockCopy.Control untilDone() {
        return new BlockCopy.Control() {
            @Override
            public boolean awaitRunnable() {
                return true;
            }

            @Override
            public void failed(Exception error) {
                throw new AssertionError("copy failed", error);
            }

            @Override
            public boolean stopping() {
                return false;
            }
        };
    }

    @Test
    void backgroundWorkersCopyEverythingAndKeepTheTargetSparse() throws Exception {
        MemoryNode src = filled(32L << 20, 1, 0.5);
        MemoryNode dst = new MemoryNode("dst", 32L << 20, K64);
        BlockCopy bc = BlockCopy.create(src, dst, CopyOptions.defaults(), null);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(Thread.ofPlatform().start(() -> bc.backgroundWorker(untilDone())));
        }
        for (Thread t : workers) {
            t.join();
        }
        assertThat(bc.isComplete()).isTrue();
        assertThat(dst.read(0, 32 << 20)).isEqualTo(src.read(0, 32 << 20));
        assertThat(dst.allocatedBytes()).isEqualTo(src.allocatedBytes());
        assertThat(bc.bytesDone()).isEqualTo(32L << 20);
        assertThat(bc.bytesRemaining()).isZero();
        assertThat(bc.bytesCopiedAsData()).isEqualTo(src.allocatedBytes());
    }

    @Test
    void dataRunsSplitFinelyByBlockStatusReachTheTargetAsWholeBuffers() throws Exception {
        // like a snapshot view: status changes at every cluster (fleecing image, live disk, ...)
        MemoryNode data = filled(4L << 20, 7, 1.0);
        data.writeZeroes(2L << 20, K64 * 2, true);                  // one zero run of two clusters
        BlockNode src = new FilterNode(data) {
            @Override
            public String describe() {
                return "finely split status over " + inner.describe();
            }

            @Override
            public BlockStatus blockStatus(long offset, long length) throws IOException {
                BlockStatus s = inner.blockStatus(offset, length);
                long runEnd = Math.min(s.end(), (offset / K64 + 1) * K64);
                return new BlockStatus(s.state(), offset, runEnd - offset);
            }
        };
        MemoryNode dst = new MemoryNode("dst", 4L << 20, K64);
        List<long[]> writes = new ArrayList<>();
        List<long[]> zeroes = new ArrayList<>();
        BlockNode recorder = new FilterNode(dst) {
            @Override
            public String describe() {
                return "recorder over " + inner.describe();
            }

            @Override
            public void write(long offset, java.nio.ByteBuffer b, boolean fua) throws IOException {
                writes.add(new long[] {offset, b.remaining()});
                inner.write(offset, b, fua);
            }

            @Override
            public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
                zeroes.add(new long[] {offset, length});
                inner.writeZeroes(offset, length, mayUnmap);
            }
        };
        BlockCopy bc = BlockCopy.create(src, recorder, CopyOptions.defaults(), null);
        bc.backgroundWorker(untilDone());

        assertThat(dst.read(0, 4 << 20)).isEqualTo(data.read(0, 4 << 20));
        assertThat(zeroes).containsExactly(new long[] {2L << 20, K64}, new long[] {(2L << 20) + K64, K64});
        // 1 MiB tasks: [0,1M) [1M,2M) as one write each; the zero run splits [2M,3M); [3M,4M) whole
        assertThat(writes).containsExactly(new long[] {0, 1 << 20}, new long[] {1 << 20, 1 << 20},
                new long[] {(2L << 20) + 2 * K64, (1 << 20) - 2 * K64}, new long[] {3L << 20, 1 << 20});
    }

    @Test
    void clusterSizeIsTheLargestOfDefaultTargetAndMinimum() throws IOException {
        MemoryNode src = new MemoryNode("s", 16L << 20, K64);
        assertThat(BlockCopy.create(src, new MemoryNode("t", 16L << 20, 4096), CopyOptions.defaults(), null)
                .clusterSize()).isEqualTo(K64);
        assertThat(BlockCopy.create(src, new MemoryNode("t", 16L << 20, 2 << 20), CopyOptions.defaults(), null)
                .clusterSize()).isEqualTo(2 << 20);
        assertThat(BlockCopy.create(src, new MemoryNode("t", 16L << 20, K64),
                CopyOptions.defaults().withMinClusterSize(4 << 20), null).clusterSize()).isEqualTo(4 << 20);
    }

    @Test
    void invalidOptionsGiveMessagesAUserCanActOn() {
        MemoryNode src = new MemoryNode("s", 16L << 20, K64);
        MemoryNode dst = new MemoryNode("t", 16L << 20, K64);
        assertThatThrownBy(() -> BlockCopy.create(src, dst, CopyOptions.defaults().withMinClusterSize(3072), null))
                .hasMessage("min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not 3K");
        assertThatThrownBy(() -> BlockCopy.create(src, dst, CopyOptions.defaults().withMaxChunk(32768), null))
                .hasMessage("max-chunk (32K) must be 0 (unlimited) or at least the job cluster size (64K)");
        assertThatThrownBy(() -> BlockCopy.create(src, new MemoryNode("t", 8L << 20, K64), CopyOptions.defaults(), null))
                .hasMessageContaining("sizes differ");
        assertThatThrownBy(() -> BlockCopy.create(src, dst, CopyOptions.defaults().withMinClusterSize(2L << 30), null))
                .hasMessageContaining("too large");
    }

    @Test
    void maxChunkLimitsTasksButNotBelowACluster() throws IOException {
        MemoryNode src = new MemoryNode("s", 16L << 20, K64);
        MemoryNode dst = new MemoryNode("t", 16L << 20, K64);
        assertThat(BlockCopy.create(src, dst, CopyOptions.defaults(), null).chunkSize()).isEqualTo(1 << 20);
        assertThat(BlockCopy.create(src, dst, CopyOptions.defaults().withMaxChunk(200000), null).chunkSize())
                .isEqualTo(3L * K64);
    }

    @Test
    void concurrentOverlappingCopiesCopyEachClusterOnce() throws Exception {
        MemoryNode src = filled(8L << 20, 2, 1.0);
        MemoryNode dst = new MemoryNode("dst", 8L << 20, K64);
        BlockCopy bc = BlockCopy.create(src, dst, CopyOptions.defaults(), null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 400; i++) {
            long off = r.nextInt(8 << 20);
            long len = Math.min((8L << 20) - off, 1 + r.nextInt(300000));
            fs.add(pool.submit(() -> {
                bc.copy(off, len);
                // once copy returns, the range is on the target
                assertThat(dst.read(off, (int) len)).isEqualTo(src.read(off, (int) len));
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        assertThat(bc.bytesDone()).as("each cluster counted once").isEqualTo(bc.copyBitmap().clusters() * K64
                - bc.copyBitmap().dirtyBytes());
    }

    @Test
    void resetClustersAreNeverCopied() throws Exception {
        MemoryNode src = filled(4L << 20, 4, 1.0);
        MemoryNode dst = new MemoryNode("dst", 4L << 20, K64);
        BlockCopy bc = BlockCopy.create(src, dst, CopyOptions.defaults(), null);
        bc.reset(K64, 2L * K64);
        bc.copy(0, 4L << 20);
        assertThat(dst.read(K64, 2 * K64)).containsOnly(0);
        assertThat(dst.read(0, K64)).isEqualTo(src.read(0, K64));
        assertThat(bc.isComplete()).isTrue();
    }

    @Test
    void discardSourceDiscardsEachCopiedRange() throws Exception {
        MemoryNode src = filled(4L << 20, 5, 1.0);
        byte[] before = src.read(0, 4 << 20);
        MemoryNode dst = new MemoryNode("dst", 4L << 20, K64);
        BlockCopy bc = BlockCopy.create(src, dst, CopyOptions.defaults().withDiscardSource(true), null);
        bc.copy(0, 4L << 20);
        assertThat(dst.read(0, 4 << 20)).isEqualTo(before);
        assertThat(src.allocatedBytes()).isZero();
    }

    @Test
    void targetWithoutClusterSizeWarnsAndOneWithBackingIsRefused() {
        BlockNode noCluster = new MemoryNode("t", 1 << 20, K64);
        MemoryNode src = new MemoryNode("s", 1 << 20, K64);
        List<String> warnings = new ArrayList<>();
        BlockNode plain = new ForwardingTestNode(noCluster, 0, false);
        assertThat(CopyPlan.validate(src, plain, CopyOptions.defaults(), warnings)).isEqualTo(K64);
        assertThat(warnings).singleElement().asString().contains("could not determine the cluster size");
        BlockNode backed = new ForwardingTestNode(noCluster, 0, true);
        assertThatThrownBy(() -> CopyPlan.validate(src, backed, CopyOptions.defaults(), new ArrayList<>()))
                .hasMessageContaining("which has a backing file");
    }

    @Test
    void aFinerGranularityIsUsedOnlyWhenAskedForAndNeverBelowTheTargetsCluster() {
        MemoryNode src = new MemoryNode("s", 1 << 20, K64);
        List<String> warnings = new ArrayList<>();
        assertThat(CopyPlan.validate(src, new MemoryNode("t4", 1 << 20, 4096), CopyOptions.defaults(), warnings))
                .as("QEMU's 64 KiB floor by default").isEqualTo(K64);
        assertThat(CopyPlan.validate(src, new MemoryNode("t4", 1 << 20, 4096),
                CopyOptions.defaults().withFinestCluster(4096), warnings)).isEqualTo(4096);
        assertThat(CopyPlan.validate(src, new MemoryNode("t16", 1 << 20, 16384),
                CopyOptions.defaults().withFinestCluster(4096), warnings)).isEqualTo(16384);
        assertThat(CopyPlan.validate(src, new MemoryNode("t4", 1 << 20, 4096),
                CopyOptions.defaults().withFinestCluster(4096).withMinClusterSize(32768), warnings)).isEqualTo(32768);
        assertThat(warnings).isEmpty();
        for (int bad : new int[] {0, 256, 3000, 131072}) {
            assertThatThrownBy(() -> CopyOptions.defaults().withFinestCluster(bad))
                    .hasMessageContaining("power of two from 512 bytes to 64 KiB");
        }
    }

    @Test
    void pendingRangesAreTheMergedDirtyRunsOfTheAskedRange() throws Exception {
        long c = K64;
        MemoryNode src = new MemoryNode("s", 8 * c, K64);
        MemoryNode dst = new MemoryNode("t", 8 * c, K64);
        dev.shear.bitmap.ClusterBitmap initial = new dev.shear.bitmap.ClusterBitmap(8 * c, K64);
        initial.set(0, 2 * c);
        initial.set(3 * c, c);
        initial.set(7 * c, c);
        BlockCopy bc = BlockCopy.create(src, dst, CopyOptions.defaults(), initial);
        assertThat(bc.pendingRanges(0, 8 * c)).containsExactly(new long[] {0, 2 * c}, new long[] {3 * c, 4 * c},
                new long[] {7 * c, 8 * c});
        assertThat(bc.pendingRanges(c, 4 * c)).containsExactly(new long[] {c, 2 * c}, new long[] {3 * c, 4 * c});
        assertThat(bc.pendingRanges(4 * c, 7 * c)).isEmpty();
        bc.copy(0, 2 * c);
        assertThat(bc.pendingRanges(0, 8 * c)).containsExactly(new long[] {3 * c, 4 * c}, new long[] {7 * c, 8 * c});
    }
}
