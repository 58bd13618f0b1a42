package dev.shear.datacenter;

import java.io.IOException;

/// An operation was refused because the guest carries a long-lived [GuestLock]. The message says
/// who holds it and whether that process still runs; [#ownerAlive()] tells a cleanup whether the
/// lock is stale.
public final class GuestLockedException extends IOException {
    private final int vmid;
    private final transient GuestLock lock;
    private final boolean ownerAlive;

    public GuestLockedException(int vmid, GuestLock lock, boolean ownerAlive) {
        super("guest " + vmid + " is locked (" + lock + ")" + (ownerAlive
                ? "; try again when that operation is done"
                : ", but that process is gone: a crashed operation left the lock; run a cleanup of guest " + vmid));
        this.vmid = vmid;
        this.lock = lock;
        this.ownerAlive = ownerAlive;
    }

    public int vmid() {
        return vmid;
    }

    public GuestLock lock() {
        return lock;
    }

    /// False when the lock's owner is proven gone (a stale lock).
    public boolean ownerAlive() {
        return ownerAlive;
    }
}
