package dev.shear.app.main;

import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.SpaceUsage;
import dev.shear.datacenter.StorageConfig;

/// A storage as the overview lists it.
///
/// @param config       its definition
/// @param space        its file system's space, or null when it could not be read
/// @param capabilities thin provisioning and discard, or null when unknown
/// @param problem      why space or capabilities are missing ("" when they are there)
public record StorageSummary(StorageConfig config, SpaceUsage space, Capabilities capabilities, String problem) {
    public String id() {
        return config.id();
    }

    /// `images`, `backup` or `images, backup`.
    public String contentText() {
        return String.join(", ", config.content().stream().map(c -> c.id()).toList());
    }

    /// Used share of the file system, 0 … 1 (0 when unknown).
    public double usedFraction() {
        return space == null || space.total() <= 0 ? 0 : (double) space.used() / space.total();
    }
}
