package dev.shear.backup;

import java.util.Locale;

/// Which clusters a backup copies (QEMU's `sync`).
public enum SyncMode {
    /// Every cluster.
    FULL,
    /// Only clusters allocated in the source's top layer.
    TOP,
    /// Only clusters set in the disk's dirty bitmap (needs `bitmap-mode`).
    BITMAP,
    /// `bitmap` with `bitmap-mode=on-success`.
    INCREMENTAL,
    /// Nothing in the background; only copy-before-write copies (until completed or cancelled).
    NONE;

    /// The option value users write.
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /// Parses `full`, `top`, `bitmap`, `incremental` or `none`.
    public static SyncMode parse(String value) {
        for (SyncMode m : values()) {
            if (m.optionValue().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("sync must be full, top, bitmap, incremental or none, not '" + value + "'");
    }

    /// True for the modes that copy from a dirty bitmap.
    public boolean usesBitmap() {
        return this == BITMAP || this == INCREMENTAL;
    }
}
