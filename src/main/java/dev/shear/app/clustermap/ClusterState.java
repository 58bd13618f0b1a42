package dev.shear.app.clustermap;

/// What the live cluster map shows for one cluster of a disk being backed up. The order is the
/// drawing order inside a mixed cell and the legend's order.
public enum ClusterState {
    /// Still to copy to the backup target.
    TO_COPY("still to copy", false),
    /// Old data was copied out by copy-before-write and waits in the fleecing image.
    HELD("old data held in the fleecing image", false),
    /// A copy task works on it right now.
    IN_FLIGHT("being copied", false),
    /// On the backup target.
    COPIED("copied to target", true),
    /// On the target, and the old data that was held in the fleecing image for it was freed
    /// (discard-source).
    FREED("copied; freed from the fleecing image", true),
    /// On the target, and the guest has written there since the backup's point in time.
    GUEST_WRITTEN("copied; written by the guest since the start", true);

    private final String label;
    private final boolean copied;

    ClusterState(String label, boolean copied) {
        this.label = label;
        this.copied = copied;
    }

    /// The legend's words.
    public String label() {
        return label;
    }

    /// True when the backup has the cluster (copied, freed or written since).
    public boolean isCopied() {
        return copied;
    }

    /// The CSS name of its colour property: `-shear-map-to-copy`, …
    public String cssProperty() {
        return "-shear-map-" + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
