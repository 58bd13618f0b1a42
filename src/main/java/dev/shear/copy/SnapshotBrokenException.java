package dev.shear.copy;

import java.io.IOException;

/// A snapshot read after copy-before-write failed under `break-snapshot`. Its message and cause
/// are the original failure (e.g. "no space left on the fleecing storage"), never a vague
/// "permission denied" (a problem Proxmox users reported).
public final class SnapshotBrokenException extends IOException {
    public SnapshotBrokenException(IOException original) {
        super("the backup snapshot is broken because copy-before-write failed: " + original.getMessage(), original);
    }
}
