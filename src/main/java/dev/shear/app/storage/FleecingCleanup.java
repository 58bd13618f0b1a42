package dev.shear.app.storage;

import java.io.IOException;
import java.util.List;

/// The engine's stale-fleecing-image cleanup as the storage view uses it: look (changing nothing),
/// then remove exactly what was shown. Implementations do I/O: call them off the UI thread.
public interface FleecingCleanup {

    /// Every fleecing image on storage `storage` with its state.
    List<FleecingImageRow> images(String storage) throws IOException;

    /// What removing the stale fleecing images of storage `storage` (and the stale locks of their
    /// guests) would remove; changes nothing. In-use images are never in it.
    CleanupPlan find(String storage) throws IOException;

    /// Removes the items of `plan` that are still stale.
    CleanupReport execute(CleanupPlan plan) throws IOException;
}
