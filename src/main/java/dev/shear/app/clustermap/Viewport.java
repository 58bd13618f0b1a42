package dev.shear.app.clustermap;

/// What the map should be drawn as: the image size in pixels, the part of the disk shown (null for
/// all of it) and the colours (ARGB, opaque) of each [ClusterState] plus the background (last).
/// Immutable (the palette array is never changed after construction).
public record Viewport(int width, int height, ByteRange zoom, int[] palette) {
    public Viewport {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative viewport " + width + "x" + height);
        }
        if (palette.length != ClusterState.values().length + 1) {
            throw new IllegalArgumentException("palette needs one colour per state and a background");
        }
        palette = palette.clone();
    }

    /// The background colour.
    public int background() {
        return palette[palette.length - 1];
    }

    public int color(int state) {
        return palette[state];
    }
}
