package dev.shear.datacenter.vzdump;

import dev.shear.backup.Perf;
import dev.shear.util.Sizes;

/// vzdump's `--performance max-workers=N,max-chunk=SIZE,min-cluster-size=SIZE` property string,
/// as `shear backup` takes it and backup jobs store it. Keys left out keep their defaults; the
/// values are checked by [Perf] itself.
public final class PerformanceOption {
    private PerformanceOption() {
    }

    /// Parses the property string; null or blank gives the defaults.
    ///
    /// @throws IllegalArgumentException naming the key or value at fault
    public static Perf parse(String text) {
        Perf d = Perf.defaults();
        if (text == null || text.isBlank()) {
            return d;
        }
        int workers = d.maxWorkers();
        long chunk = d.maxChunk();
        long min = d.minClusterSize();
        for (String part : text.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("--performance '" + part + "' is not key=value");
            }
            switch (kv[0].trim()) {
                case "max-workers" -> workers = parseInt(kv[1].trim(), "max-workers");
                case "max-chunk" -> chunk = Sizes.parse(kv[1]);
                case "min-cluster-size" -> min = Sizes.parse(kv[1]);
                default -> throw new IllegalArgumentException("unknown --performance property '" + kv[0].trim()
                        + "' (use max-workers, max-chunk, min-cluster-size)");
            }
        }
        return new Perf(workers, chunk, min);
    }

    /// `max-workers=16,max-chunk=0,min-cluster-size=4M`: every key, sizes in their compact form.
    public static String format(Perf p) {
        return "max-workers=" + p.maxWorkers() + ",max-chunk=" + Sizes.compact(p.maxChunk()) + ",min-cluster-size="
                + Sizes.compact(p.minClusterSize());
    }

    private static int parseInt(String v, String what) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number, not '" + v + "'");
        }
    }
}
