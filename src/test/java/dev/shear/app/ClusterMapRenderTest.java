package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.clustermap.ByteRange;
import dev.shear.app.clustermap.CellLayout;
import dev.shear.app.clustermap.ClusterState;
import dev.shear.app.clustermap.MapData;
import dev.shear.app.clustermap.MapFrame;
import dev.shear.app.clustermap.MapRenderer;
import dev.shear.app.clustermap.Viewport;
import dev.shear.backup.ClusterMap;
import dev.shear.bitmap.ClusterBitmap;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/// The cluster map's classification and drawing against a per-cluster oracle, on random bitmaps.
class ClusterMapRenderTest {
    private static final int[] PALETTE = {0xff111111, 0xff222222, 0xff333333, 0xff444444, 0xff555555, 0xff666666,
        0xffffffff};

    /// A random map: clusters of `unit` bytes, the copy bitmap at `jobUnit`.
    private record Random3(ClusterMap map, long clusters, int unit) {
    }

    private static Random3 random(long seed, long clusters, int unit, int jobUnit, boolean fleecing) {
        Random r = new Random(seed);
        long length = clusters * unit - (r.nextBoolean() ? 0 : unit / 2);
        ClusterBitmap toCopy = new ClusterBitmap(length, jobUnit);
        ClusterBitmap done = new ClusterBitmap(length, unit);
        ClusterBitmap access = new ClusterBitmap(length, unit);
        ClusterBitmap written = new ClusterBitmap(length, unit);
        access.setAll();
        for (long c = 0; c < toCopy.clusters(); c++) {
            if (r.nextInt(3) > 0) {
                toCopy.setBits(c, c + 1);
            }
        }
        for (long c = 0; c < done.clusters(); c++) {
            if (r.nextInt(4) == 0) {
                done.setBits(c, c + 1);
                written.setBits(c, c + 1);
            }
            if (r.nextInt(5) == 0) {
                written.setBits(c, c + 1);
            }
            if (r.nextInt(3) == 0) {
                access.clearBits(c, c + 1);
            }
        }
        List<long[]> flight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long c = r.nextLong(done.clusters());
            flight.add(new long[] {c * unit, Math.min(length - c * unit, (1 + r.nextInt(3)) * (long) unit)});
        }
        return new Random3(new ClusterMap(length, toCopy.snapshot(), flight, done.snapshot(),
                fleecing ? access.snapshot() : null, written.snapshot(), fleecing), done.clusters(), unit);
    }

    /// The state of cluster `c` by the rules, one cluster at a time.
    private static ClusterState oracle(ClusterMap m, long c, int unit) {
        long off = c * unit;
        for (long[] f : m.inFlight()) {
            if (off < f[0] + f[1] && off + unit > f[0]) {
                return ClusterState.IN_FLIGHT;
            }
        }
        boolean t = m.toCopy().get(off / m.toCopy().granularity());
        boolean d = m.cbwDone().get(c);
        boolean a = m.accessible() == null || m.accessible().get(c);
        boolean g = m.guestWritten().get(c);
        if (m.fleecing() && d && a) {
            return ClusterState.HELD;
        }
        if (t) {
            return ClusterState.TO_COPY;
        }
        if (m.fleecing() && d && a) {
            return ClusterState.FREED;   // never: a single picture has no earlier held state to free
        }
        return g ? ClusterState.GUEST_WRITTEN : ClusterState.COPIED;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void countsMatchTheOracleForAnyRange(long seed) {
        for (int jobFactor : new int[] {1, 4, 128}) {
            for (boolean fleecing : new boolean[] {true, false}) {
                Random3 rm = random(seed, 700, 65536, 65536 * jobFactor, fleecing);
                MapData data = MapData.of(rm.map());
                assertThat(data.units()).as("seed %d", seed).isEqualTo(rm.clusters());
                Random r = new Random(seed);
                for (int i = 0; i < 40; i++) {
                    long from = r.nextLong(rm.clusters());
                    long to = from + 1 + r.nextLong(rm.clusters() - from);
                    long[] got = new long[ClusterState.values().length];
                    data.count(from, to, got);
                    long[] want = new long[got.length];
                    for (long c = from; c < to; c++) {
                        want[oracle(rm.map(), c, rm.unit()).ordinal()]++;
                    }
                    assertThat(got).as("seed %d, job unit x%d, fleecing %s, clusters %d..%d", seed, jobFactor,
                            fleecing, from, to).containsExactly(want);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6, 7})
    void aCellOfOneClusterIsPaintedInItsStatesColour(long seed) {
        Random3 rm = random(seed, 300, 65536, 65536, true);
        MapData data = MapData.of(rm.map());
        MapFrame f = MapRenderer.render(data, new Viewport(400, 300, null, PALETTE));
        CellLayout l = f.layout();
        assertThat(l.perCell()).as("seed %d", seed).isEqualTo(1);
        for (long c = 0; c < rm.clusters(); c++) {
            int x = l.x(c) + (l.cell() - l.gap()) / 2;
            int y = l.y(c) + (l.cell() - l.gap()) / 2;
            assertThat(f.pixels()[y * f.width() + x]).as("seed %d cluster %d", seed, c)
                    .isEqualTo(PALETTE[oracle(rm.map(), c, rm.unit()).ordinal()]);
        }
        long[] totals = new long[ClusterState.values().length];
        for (long c = 0; c < rm.clusters(); c++) {
            totals[oracle(rm.map(), c, rm.unit()).ordinal()]++;
        }
        assertThat(f.totals()).as("seed %d", seed).containsExactly(totals);
    }

    @Test
    void freedNeedsAnEarlierPictureThatHeldTheOldData() {
        long length = 4 * 65536;
        ClusterBitmap toCopy = new ClusterBitmap(length, 65536);
        ClusterBitmap done = new ClusterBitmap(length, 65536);
        ClusterBitmap access = new ClusterBitmap(length, 65536);
        ClusterBitmap written = new ClusterBitmap(length, 65536);
        toCopy.setAll();
        access.setAll();
        done.setBits(0, 1);                 // the guest wrote cluster 0 before it was copied: held
        written.setBits(0, 1);
        MapData.History history = new MapData.History();
        MapData first = MapData.of(new ClusterMap(length, toCopy.snapshot(), List.of(), done.snapshot(),
                access.snapshot(), written.snapshot(), true), history);
        assertThat(first.totals()[ClusterState.HELD.ordinal()]).isEqualTo(1);
        toCopy.clear();                     // all copied; discard-source cleared access
        access.clear();
        done.setBits(1, 2);                 // the guest wrote cluster 1 after it was copied
        written.setBits(1, 2);
        ClusterMap later = new ClusterMap(length, toCopy.snapshot(), List.of(), done.snapshot(), access.snapshot(),
                written.snapshot(), true);
        long[] withHistory = MapData.of(later, history).totals();
        assertThat(withHistory[ClusterState.FREED.ordinal()]).isEqualTo(1);
        assertThat(withHistory[ClusterState.GUEST_WRITTEN.ordinal()]).isEqualTo(1);
        assertThat(withHistory[ClusterState.COPIED.ordinal()]).isEqualTo(2);
        long[] alone = MapData.of(later).totals();
        assertThat(alone[ClusterState.FREED.ordinal()]).isZero();
        assertThat(alone[ClusterState.GUEST_WRITTEN.ordinal()]).isEqualTo(2);
    }

    @Test
    void aMixedCellShowsEachStateInProportion() {
        long clusters = 1L << 20;
        ClusterBitmap toCopy = new ClusterBitmap(clusters * 65536, 65536);
        toCopy.setBits(0, clusters / 4);
        ClusterBitmap none = new ClusterBitmap(clusters * 65536, 65536);
        ClusterMap m = new ClusterMap(clusters * 65536, toCopy.snapshot(), List.of(), none.snapshot(), null,
                none.snapshot(), false);
        MapFrame f = MapRenderer.render(MapData.of(m), new Viewport(100, 100, null, PALETTE));
        assertThat(f.layout().perCell()).isGreaterThan(1);
        int toCopyPixels = 0;
        int copiedPixels = 0;
        for (int p : f.pixels()) {
            toCopyPixels += p == PALETTE[ClusterState.TO_COPY.ordinal()] ? 1 : 0;
            copiedPixels += p == PALETTE[ClusterState.COPIED.ordinal()] ? 1 : 0;
        }
        assertThat((double) toCopyPixels / (toCopyPixels + copiedPixels)).isBetween(0.23, 0.27);
    }

    @Test
    void zoomShowsOnlyTheRangeWithBiggerCells() {
        long clusters = 100_000;
        ClusterBitmap all = new ClusterBitmap(clusters * 65536, 65536);
        all.setAll();
        ClusterBitmap none = new ClusterBitmap(clusters * 65536, 65536);
        ClusterMap m = new ClusterMap(clusters * 65536, all.snapshot(), List.of(), none.snapshot(), null,
                none.snapshot(), false);
        MapData data = MapData.of(m);
        MapFrame whole = MapRenderer.render(data, new Viewport(200, 100, null, PALETTE));
        MapFrame zoomed = MapRenderer.render(data, new Viewport(200, 100, new ByteRange(65536L * 500, 65536L * 600),
                PALETTE));
        assertThat(whole.layout().perCell()).isGreaterThan(1);
        assertThat(zoomed.layout().perCell()).isEqualTo(1);
        assertThat(zoomed.layout().first()).isEqualTo(500);
        assertThat(zoomed.layout().cells()).isEqualTo(100);
        assertThat(zoomed.layout().cell()).isGreaterThan(whole.layout().cell());
    }

    @Test
    void layoutMapsPixelsBackToTheirCells() {
        CellLayout l = CellLayout.choose(300, 200, 0, 1000);
        for (long i = 0; i < l.cells(); i += 37) {
            assertThat(l.cellAt(l.x(i) + 1, l.y(i) + 1)).isEqualTo(i);
        }
        assertThat(l.cellAt(-1, 5)).isEqualTo(-1);
        assertThat(l.cellAt(299.5, 199.5)).isIn(-1L, (long) l.cols() * l.rows() - 1);
    }
}
