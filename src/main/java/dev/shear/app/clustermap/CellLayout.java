package dev.shear.app.clustermap;

/// How clusters map to cells on the image: square cells of `cell` pixels (the last `gap` pixels of
/// each side left as background), `cols` by `rows`, each covering `perCell` consecutive clusters
/// starting at cluster `first`; `cells` of them are in use. A cell covering several clusters is
/// drawn as a mix. Immutable.
public record CellLayout(int cell, int gap, int cols, int rows, long perCell, long first, long clusters, long cells) {
    /// The largest cell side tried.
    static final int MAX_CELL = 32;
    /// The side of a cell that holds several clusters.
    static final int MIX_CELL = 4;

    /// The layout for `clusters` clusters from `first` on a `width`×`height` image: one cluster per
    /// cell with the largest cells that fit, or — when even 2-pixel cells do not fit — mixed cells
    /// of [#MIX_CELL] pixels.
    public static CellLayout choose(int width, int height, long first, long clusters) {
        if (clusters <= 0 || width < MIX_CELL || height < MIX_CELL) {
            return new CellLayout(MIX_CELL, 0, 0, 0, 1, first, 0, 0);
        }
        int start = (int) Math.min(MAX_CELL, Math.max(2, Math.sqrt((double) width * height / clusters)));
        for (int c = start; c >= 2; c--) {
            int cols = width / c;
            int rows = height / c;
            if ((long) cols * rows >= clusters) {
                return new CellLayout(c, c >= 6 ? 1 : 0, cols, rows, 1, first, clusters, clusters);
            }
        }
        int cols = width / MIX_CELL;
        int rows = height / MIX_CELL;
        long capacity = (long) cols * rows;
        long per = (clusters + capacity - 1) / capacity;
        return new CellLayout(MIX_CELL, 0, cols, rows, per, first, clusters, (clusters + per - 1) / per);
    }

    /// The cell under pixel (x, y), or -1.
    public long cellAt(double x, double y) {
        if (x < 0 || y < 0) {
            return -1;
        }
        long col = (long) x / cell;
        long row = (long) y / cell;
        if (col >= cols || row >= rows) {
            return -1;
        }
        long i = row * cols + col;
        return i < cells ? i : -1;
    }

    /// The first cluster of cell `i`.
    public long firstCluster(long i) {
        return first + i * perCell;
    }

    /// One past the last cluster of cell `i`.
    public long endCluster(long i) {
        return Math.min(first + clusters, first + (i + 1) * perCell);
    }

    /// The left pixel of cell `i`.
    public int x(long i) {
        return (int) (i % cols) * cell;
    }

    /// The top pixel of cell `i`.
    public int y(long i) {
        return (int) (i / cols) * cell;
    }
}
