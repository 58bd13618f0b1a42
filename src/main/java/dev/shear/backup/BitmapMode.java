package dev.shear.backup;

import java.util.Locale;

/// What happens to the disk's dirty bitmap when a backup that uses it ends (QEMU's
/// `bitmap-mode`). "Synced" means: the bitmap afterwards holds only what the guest wrote since the
/// backup's point in time.
public enum BitmapMode {
    /// Synced after success; after failure or cancel, unchanged plus the writes since the start.
    ON_SUCCESS,
    /// Synced after success; after failure or cancel, only clusters not copied plus new writes.
    ALWAYS,
    /// Never synced: the bitmap keeps everything plus the writes since the start.
    NEVER;

    /// The option value users write.
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /// Parses `on-success`, `always` or `never`.
    public static BitmapMode parse(String value) {
        for (BitmapMode m : values()) {
            if (m.optionValue().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("bitmap-mode must be on-success, always or never, not '" + value + "'");
    }
}
