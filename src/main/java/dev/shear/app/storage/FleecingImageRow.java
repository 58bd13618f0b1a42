package dev.shear.app.storage;

/// A fleecing image found on a storage, as the storage view lists it.
///
/// @param volume the volume id
/// @param vmid   the guest it belongs to (from its name)
/// @param bytes  bytes it occupies on disk
/// @param state  in use, stale or orphan
/// @param why    what makes it so
public record FleecingImageRow(String volume, int vmid, long bytes, State state, String why) {

    /// Whether a backup still needs the image.
    public enum State {
        /// A backup that runs now uses it: never offered for removal.
        IN_USE("in use"),
        /// Recorded by its guest, but the backup that made it is gone.
        STALE("stale"),
        /// No guest records it.
        ORPHAN("orphan");

        private final String word;

        State(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }
}
