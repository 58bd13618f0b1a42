package dev.shear.app.backup;

import dev.shear.app.common.Formats;
import dev.shear.datacenter.Capabilities;

/// A storage offered in the backup dialog's pickers.
///
/// @param id           the storage id
/// @param capabilities thin provisioning and discard (null when they could not be told)
/// @param available    free bytes, or -1 when unknown
public record StorageChoice(String id, Capabilities capabilities, long available) {

    /// `fast — thin, discard · 40 GiB free`.
    public String label() {
        StringBuilder sb = new StringBuilder(id);
        if (capabilities != null) {
            sb.append(" — ").append(capabilities.thin() ? "thin" : "thick").append(", ")
                    .append(capabilities.discard() ? "discard" : "no discard");
        }
        if (available >= 0) {
            sb.append(" · ").append(Formats.bytes(available)).append(" free");
        }
        return sb.toString();
    }

    /// True for PVE's recommendation: thin provisioning and discard.
    public boolean recommendedForFleecing() {
        return capabilities != null && capabilities.thin() && capabilities.discard();
    }

    @Override
    public String toString() {
        return label();
    }
}
