package dev.shear.app.clustermap;

/// One drawn picture of the cluster map, made off the UI thread and handed over whole: the pixels
/// (premultiplied ARGB, `width`×`height`, row by row), the layout that maps pixels back to
/// clusters, the data it shows (for tooltips), and the counts of each [ClusterState] on the whole
/// disk. Immutable: nobody writes `pixels` after the frame is made.
public record MapFrame(int width, int height, int[] pixels, CellLayout layout, MapData data, long[] totals,
                       long renderNanos) {

    /// Clusters on the disk.
    public long clusters() {
        return data.units();
    }

    /// Clusters the backup has (copied, freed, or written since).
    public long copied() {
        long n = 0;
        for (ClusterState s : ClusterState.values()) {
            if (s.isCopied()) {
                n += totals[s.ordinal()];
            }
        }
        return n;
    }

    /// The count of one state on the whole disk.
    public long total(ClusterState s) {
        return totals[s.ordinal()];
    }
}
