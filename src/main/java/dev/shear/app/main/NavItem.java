package dev.shear.app.main;

import dev.shear.app.backup.LiveBackup;

/// A place in the navigation tree: Datacenter → Storages, Guests, Backups, Backup jobs, Tasks (with the live
/// backups started here). Values: two items for the same place are equal.
public sealed interface NavItem {
    record Datacenter() implements NavItem {
    }

    record Storages() implements NavItem {
    }

    record Storage(String id) implements NavItem {
    }

    record Guests() implements NavItem {
    }

    record Guest(int vmid) implements NavItem {
    }

    record Backups() implements NavItem {
    }

    /// Scheduled backup jobs.
    record Jobs() implements NavItem {
    }

    record Tasks() implements NavItem {
    }

    /// A backup started from this app, followed live.
    record Live(LiveBackup backup) implements NavItem {
    }
}
