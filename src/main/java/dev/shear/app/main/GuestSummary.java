package dev.shear.app.main;

import dev.shear.app.guest.GuestState;
import dev.shear.datacenter.GuestConfig;

/// A guest as the overview and the navigation tree show it.
///
/// @param config its configuration
/// @param state  where its disks are open
public record GuestSummary(GuestConfig config, GuestState state) {
    public int vmid() {
        return config.vmid();
    }

    public String name() {
        return config.name();
    }

    /// `100 (web)`.
    public String title() {
        return config.vmid() + " (" + config.name() + ")";
    }

    /// Total disk size in bytes.
    public long size() {
        return config.disks().stream().mapToLong(d -> d.size()).sum();
    }

    /// `backup` when locked, else "".
    public String lockText() {
        return config.lock() == null ? "" : config.lock().kind();
    }
}
