package dev.shear.app.clustermap;

import java.util.Arrays;

/// Draws [MapData] into a new pixel array for a [Viewport]: one square per cell, a cell of one
/// cluster in its state's colour, a cell of many as horizontal bands whose heights follow the
/// share of each state (pixel rows filled in state order). Pure: no shared state, any thread.
public final class MapRenderer {
    private static final int STATES = ClusterState.values().length;

    private MapRenderer() {
    }

    /// Renders `data` for `view`.
    public static MapFrame render(MapData data, Viewport view) {
        long t0 = System.nanoTime();
        long first = 0;
        long end = data.units();
        if (view.zoom() != null) {
            first = Math.min(end, view.zoom().from() / data.unit());
            end = Math.max(first, Math.min(end, (view.zoom().to() + data.unit() - 1) / data.unit()));
        }
        CellLayout layout = CellLayout.choose(view.width(), view.height(), first, end - first);
        int[] px = new int[view.width() * view.height()];
        Arrays.fill(px, view.background());
        long[] counts = new long[STATES];
        int inner = layout.cell() - layout.gap();
        for (long i = 0; i < layout.cells(); i++) {
            Arrays.fill(counts, 0);
            data.count(layout.firstCluster(i), layout.endCluster(i), counts);
            paint(px, view, layout.x(i), layout.y(i), inner, counts);
        }
        return new MapFrame(view.width(), view.height(), px, layout, data, data.totals(), System.nanoTime() - t0);
    }

    /// Fills an `inner`×`inner` square at (x, y): pixel k (row by row) takes the state whose
    /// cumulative share first exceeds k / inner².
    private static void paint(int[] px, Viewport view, int x, int y, int inner, long[] counts) {
        long total = 0;
        int only = -1;
        for (int s = 0; s < STATES; s++) {
            if (counts[s] > 0) {
                total += counts[s];
                only = only == -1 ? s : -2;
            }
        }
        int w = view.width();
        if (only >= 0) {
            int c = view.color(only);
            for (int r = 0; r < inner; r++) {
                Arrays.fill(px, (y + r) * w + x, (y + r) * w + x + inner, c);
            }
            return;
        }
        if (total == 0) {
            return;
        }
        int area = inner * inner;
        int s = 0;
        long cumulative = counts[0];
        for (int k = 0; k < area; k++) {
            while (s < STATES - 1 && cumulative * area <= (long) k * total) {
                s++;
                cumulative += counts[s];
            }
            px[(y + k / inner) * w + x + k % inner] = view.color(s);
        }
    }
}
