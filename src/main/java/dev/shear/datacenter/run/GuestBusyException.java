package dev.shear.datacenter.run;

import java.io.IOException;

/// Another process (or another part of this one) has the guest's disks open.
public final class GuestBusyException extends IOException {
    private final RunInfo holder;

    public GuestBusyException(int vmid, RunInfo holder) {
        super("guest " + vmid + " is already open" + (holder == null ? " in another process"
                : " (" + holder.purpose() + ") by " + holder.owner()));
        this.holder = holder;
    }

    /// What the holder published, or null when it could not be read.
    public RunInfo holder() {
        return holder;
    }
}
