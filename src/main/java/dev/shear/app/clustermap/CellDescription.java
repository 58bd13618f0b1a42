package dev.shear.app.clustermap;

import dev.shear.util.Sizes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/// The words of a cell's tooltip: which clusters, which bytes, and their state (or the share of
/// each state in a mixed cell).
public final class CellDescription {
    private CellDescription() {
    }

    /// Describes clusters `[from, to)` of `data`.
    public static String of(MapData data, long from, long to) {
        long[] counts = new long[ClusterState.values().length];
        data.count(from, to, counts);
        long offset = from * data.unit();
        long end = Math.min(data.length(), to * data.unit());
        String where = to - from == 1
                ? String.format(Locale.ROOT, "cluster %,d (%s) at offset %s (0x%x)", from, Sizes.format(data.unit()),
                        Sizes.format(offset), offset)
                : String.format(Locale.ROOT, "clusters %,d–%,d (%s each) at offset %s–%s", from, to - 1,
                        Sizes.format(data.unit()), Sizes.format(offset), Sizes.format(end));
        List<String> parts = new ArrayList<>();
        long total = to - from;
        for (ClusterState s : ClusterState.values()) {
            long n = counts[s.ordinal()];
            if (n > 0) {
                parts.add(n == total ? s.label() : String.format(Locale.ROOT, "%s %.0f %%", s.label(), 100.0 * n / total));
            }
        }
        return where + "\n" + String.join(", ", parts);
    }
}
