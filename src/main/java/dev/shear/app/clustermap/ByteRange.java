package dev.shear.app.clustermap;

/// A zoomed part of a disk: bytes `[from, to)`.
public record ByteRange(long from, long to) {
    public ByteRange {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("bad byte range " + from + "…" + to);
        }
    }
}
