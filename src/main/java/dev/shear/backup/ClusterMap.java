package dev.shear.backup;

import dev.shear.bitmap.BitmapSnapshot;
import java.util.List;

/// A consistent-enough picture of one disk's backup for drawing, made of immutable snapshots
/// (each taken atomically word by word; together they may be a few microseconds apart).
///
/// @param length      disk size in bytes
/// @param toCopy      set: still to copy to the backup target (job granularity)
/// @param inFlight    ranges being copied now, as {offset, length}
/// @param cbwDone     set: old data was copied out by copy-before-write (into the fleecing image,
///                    or — without fleecing — straight to the target)
/// @param accessible  set: the snapshot may still read it; clear where the fleecing image range was
///                    freed after backup (null without fleecing)
/// @param guestWritten set: the guest wrote there since the backup's point in time
/// @param fleecing    true when old data goes to a fleecing image
public record ClusterMap(long length, BitmapSnapshot toCopy, List<long[]> inFlight, BitmapSnapshot cbwDone,
                         BitmapSnapshot accessible, BitmapSnapshot guestWritten, boolean fleecing) {
}
