package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.regex.Pattern;

/// A long-lived lock on a guest, recorded in its configuration (Proxmox VE's `lock:` line): some
/// operation (a backup, a restore, a destroy) owns the guest until it clears the lock. Unlike the
/// short config lock of [Locks], it survives the process, so a crash leaves it behind; its
/// [ProcessOwner] then tells a cleanup that the owner is gone.
///
/// @param kind  what holds it: lower-case letters, digits and `-` (`backup`, `restore`, `create`,
///              `destroy`, …)
/// @param owner the process that took it
public record GuestLock(@JsonProperty(required = true) String kind, @JsonProperty(required = true) ProcessOwner owner) {
    /// A backup is running.
    public static final String BACKUP = "backup";
    /// A restore is writing the guest's disks.
    public static final String RESTORE = "restore";
    /// The guest is being created (its disks allocated).
    public static final String CREATE = "create";
    /// The guest is being destroyed.
    public static final String DESTROY = "destroy";

    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    public GuestLock {
        if (kind == null || !KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("invalid lock kind '" + kind
                    + "': use lower-case letters, digits and '-' (e.g. backup)");
        }
        if (owner == null) {
            throw new IllegalArgumentException("lock '" + kind + "' needs an owner");
        }
    }

    /// A lock of `kind` owned by this process.
    public static GuestLock held(String kind) {
        return new GuestLock(kind, ProcessOwner.current());
    }

    /// "backup by pid 1234 on host, started 2025-01-31 12:00:00".
    @Override
    public String toString() {
        return kind + " by " + owner;
    }
}
