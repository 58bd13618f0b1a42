package dev.shear.app.storage;

import dev.shear.app.common.Formats;
import java.util.List;

/// What a cleanup of stale fleecing images will remove, exactly: each item with its bytes and
/// why it is stale, and notes on what was left alone. Shown to the user before anything changes.
///
/// @param items what goes, in removal order
/// @param notes what was left alone and why
public record CleanupPlan(List<Item> items, List<String> notes) {
    public CleanupPlan {
        items = List.copyOf(items);
        notes = List.copyOf(notes);
    }

    /// One thing to remove.
    ///
    /// @param kind   `fleecing image`, `orphan fleecing image`, `stale lock`
    /// @param target the volume id, or which guest's lock
    /// @param bytes  bytes it frees
    /// @param why    why it is stale
    public record Item(String kind, String target, long bytes, String why) {
        /// "fleecing image fast:vm-101-fleece-0.qcow2 (1.5 MiB): recorded by …".
        public String describe() {
            return kind + " " + target + (bytes > 0 ? " (" + Formats.bytes(bytes) + ")" : "") + ": " + why;
        }
    }

    /// Bytes freed by removing every item.
    public long bytes() {
        return items.stream().mapToLong(Item::bytes).sum();
    }

    public boolean isEmpty() {
        return items.isEmpty();
    }
}
