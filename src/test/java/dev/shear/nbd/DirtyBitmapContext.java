package dev.shear.nbd;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/// A simple [MetaContextProvider] for tests, shaped like the engine's dirty bitmap: one bit per
/// cluster, flag 1 = dirty.
final class DirtyBitmapContext implements MetaContextProvider {
    static final int DIRTY = 1;

    private final String name;
    private final int cluster;
    private final long size;
    /// Guarded by `this`.
    private final BitSet dirty = new BitSet();

    DirtyBitmapContext(String name, int cluster, long size) {
        this.name = name;
        this.cluster = cluster;
        this.size = size;
    }

    synchronized void markDirty(long offset, long length) {
        dirty.set((int) (offset / cluster), (int) ((offset + length + cluster - 1) / cluster));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized List<Extent> extents(long offset, long length, int maxRuns) {
        List<Extent> out = new ArrayList<>();
        long end = Math.min(offset + length, size);
        long pos = offset;
        while (pos < end && out.size() < maxRuns) {
            int c = (int) (pos / cluster);
            boolean d = dirty.get(c);
            int next = d ? dirty.nextClearBit(c) : dirty.nextSetBit(c);
            long runEnd = next < 0 ? end : Math.min(end, (long) next * cluster);
            out.add(new Extent(runEnd - pos, d ? DIRTY : 0));
            pos = runEnd;
        }
        return out;
    }
}
