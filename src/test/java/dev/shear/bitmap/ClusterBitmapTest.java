package dev.shear.bitmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ClusterBitmapTest {
    private static final int G = 65536;

    /// The model: a BitSet indexed by cluster, with QEMU's rounding rules applied by hand.
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void behavesLikeABitSetModel(long seed) {
        Random r = new Random(seed);
        long clusters = 1 + r.nextInt(700);
        long length = clusters * G - (r.nextBoolean() ? r.nextInt(G - 1) : 0);   // sometimes a short last cluster
        ClusterBitmap bm = new ClusterBitmap(length, G);
        BitSet model = new BitSet();
        for (int op = 0; op < 400; op++) {
            long off = (long) (r.nextDouble() * length);
            long bytes = Math.min(length - off, (long) (r.nextDouble() * 20 * G));
            switch (r.nextInt(6)) {
                case 0, 1 -> {
                    bm.set(off, bytes);
                    if (bytes > 0) {
                        model.set((int) (off / G), (int) ((off + bytes - 1) / G) + 1);
                    }
                }
                case 2 -> {
                    long a = off / G * G;
                    long b = Math.min(length, (off + bytes) / G * G);
                    if (r.nextInt(4) == 0) {
                        b = length;
                    }
                    if (b >= a) {
                        bm.reset(a, b - a);
                        if (b > a) {
                            model.clear((int) (a / G), (int) ((b - 1) / G) + 1);
                        }
                    }
                }
                case 3 -> {
                    long expect = model.nextSetBit((int) (off / G));
                    long got = bm.nextSet(off);
                    long want = expect < 0 || expect >= clusters ? -1 : Math.max(off, expect * G);
                    assertThat(got).as("seed %d nextSet(%d)", seed, off).isEqualTo(want);
                }
                case 4 -> {
                    long expect = model.nextClearBit((int) (off / G));
                    long got = bm.nextClear(off);
                    long want = expect >= clusters ? -1 : Math.max(off, expect * G);
                    if (off >= length) {
                        want = -1;
                    }
                    assertThat(got).as("seed %d nextClear(%d)", seed, off).isEqualTo(want);
                }
                default -> {
                    ClusterBitmap.Range area = bm.nextDirtyArea(off, off + bytes, 4L * G);
                    int first = model.nextSetBit((int) (off / G));
                    long endCluster = bytes == 0 ? off / G : (off + bytes - 1) / G + 1;
                    if (bytes == 0 || first < 0 || first >= endCluster) {
                        assertThat(area).as("seed %d area", seed).isNull();
                    } else {
                        assertThat(area.offset()).isEqualTo((long) first * G);
                        long stop = Math.min(Math.min(model.nextClearBit(first), first + 4L), endCluster);
                        assertThat(area.end()).as("seed %d area end", seed).isEqualTo(Math.min(stop * G, length));
                    }
                }
            }
            assertThat(bm.count()).as("seed %d op %d count", seed, op).isEqualTo(model.cardinality());
        }
        BitmapSnapshot snap = bm.snapshot();
        for (long i = 0; i < clusters; i++) {
            assertThat(snap.get(i)).as("seed %d bit %d", seed, i).isEqualTo(model.get((int) i));
        }
        assertThat(snap.count()).isEqualTo(model.cardinality());
        assertThat(bm.copy().snapshot().count()).isEqualTo(model.cardinality());
    }

    @Test
    void setRoundsOutwardAndResetMustBeAligned() {
        ClusterBitmap bm = new ClusterBitmap(10L * G + 100, G);
        bm.set(G - 1, 2);
        assertThat(bm.count()).isEqualTo(2);
        assertThat(bm.get(0)).isTrue();
        assertThat(bm.get(1)).isTrue();
        assertThatThrownBy(() -> bm.reset(1, G)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not aligned");
        bm.setAll();
        assertThat(bm.count()).isEqualTo(11);
        assertThat(bm.dirtyBytes()).isEqualTo(10L * G + 100);
        bm.reset(10L * G, 100);     // the short last cluster may end at the device end
        assertThat(bm.get(10)).isFalse();
        assertThatThrownBy(() -> bm.set(0, 11L * G)).hasMessageContaining("outside");
    }

    @Test
    void mergeOfAnotherGranularityRoundsOutward() {
        ClusterBitmap fine = new ClusterBitmap(8L * G, 4096);
        fine.set(G + 4096, 4096);
        ClusterBitmap coarse = new ClusterBitmap(8L * G, G);
        coarse.merge(fine);
        assertThat(coarse.count()).isEqualTo(1);
        assertThat(coarse.get(1)).isTrue();
        ClusterBitmap fine2 = new ClusterBitmap(8L * G, 4096);
        fine2.merge(coarse);
        assertThat(fine2.count()).isEqualTo(16);
        assertThatThrownBy(() -> coarse.merge(new ClusterBitmap(G, G))).hasMessageContaining("cannot merge");
    }

    @Test
    void sizeIsAboutTwoMebibytesPerTebibyte() {
        ClusterBitmap bm = new ClusterBitmap(1L << 40, G);
        assertThat(bm.clusters()).isEqualTo(16L << 20);
        assertThat(bm.snapshot().words().length * 8L).isEqualTo(2L << 20);
    }

    @Test
    void badGeometryIsRefused() {
        assertThatThrownBy(() -> new ClusterBitmap(G, 3000)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ClusterBitmap(-1, G)).hasMessageContaining("negative");
    }

    @Test
    void concurrentSetAndResetOfDisjointRangesNeverLoseBits() throws Exception {
        ClusterBitmap bm = new ClusterBitmap(4096L * G, G);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            fs.add(pool.submit(() -> {
                go.await();
                for (int round = 0; round < 200; round++) {
                    for (long c = id; c < 4096; c += threads) {   // interleaved clusters share words
                        bm.set(c * G, G);
                    }
                    for (long c = id; c < 4096; c += 2L * threads) {
                        bm.reset(c * G, G);
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        long expected = 0;
        for (long c = 0; c < 4096; c++) {
            boolean reset = (c % threads) == (c % (2L * threads));
            assertThat(bm.get(c)).as("cluster %d", c).isEqualTo(!reset);
            expected += reset ? 0 : 1;
        }
        assertThat(bm.count()).isEqualTo(expected);
    }
}
