package dev.shear.control;

import dev.shear.bitmap.ClusterBitmap;
import dev.shear.datacenter.run.TrackedBitmap;
import dev.shear.nbd.MetaContextProvider;
import java.util.ArrayList;
import java.util.List;

/// A running guest disk's dirty bitmap as the NBD meta context `shear:dirty-bitmap` (flag bit 0 =
/// written since the last good backup): an external tool can copy only what changed.
final class DirtyBitmapContext implements MetaContextProvider {
    static final String NAME = "shear:dirty-bitmap";
    private final TrackedBitmap bitmap;

    DirtyBitmapContext(TrackedBitmap bitmap) {
        this.bitmap = bitmap;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Extent> extents(long offset, long length, int maxRuns) {
        ClusterBitmap bits = bitmap.bits();
        List<Extent> runs = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end && runs.size() < maxRuns) {
            boolean dirty = bits.isSetAt(pos);
            long next = dirty ? bits.nextClear(pos) : bits.nextSet(pos);
            long stop = next < 0 ? end : Math.min(end, next);
            runs.add(new Extent(stop - pos, dirty ? 1 : 0));
            pos = stop;
        }
        return runs;
    }
}
