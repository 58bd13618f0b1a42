package dev.shear.copy;

import java.util.Locale;

/// What a copy-before-write filter does when copying old data out fails (QEMU's `on-cbw-error`).
public enum OnCbwError {
    /// The guest's write fails with the copy's error; the snapshot stays intact (the default).
    BREAK_GUEST_WRITE,
    /// The guest's write goes through; the snapshot is broken for good and every later snapshot
    /// read fails with the original error (what fleecing uses: the guest never suffers).
    BREAK_SNAPSHOT;

    /// The option value as users write it: `break-guest-write`, `break-snapshot`.
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /// Parses `break-guest-write` or `break-snapshot`.
    public static OnCbwError parse(String value) {
        for (OnCbwError e : values()) {
            if (e.optionValue().equals(value)) {
                return e;
            }
        }
        throw new IllegalArgumentException("on-cbw-error must be break-guest-write or break-snapshot, not '"
                + value + "'");
    }
}
