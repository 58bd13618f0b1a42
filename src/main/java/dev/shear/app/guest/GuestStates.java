package dev.shear.app.guest;

import dev.shear.datacenter.DatacenterRoot;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunInfo;
import java.io.IOException;
import java.util.Optional;

/// Reads a guest's [GuestState]: the host first (a guest this app runs), then the run claims
/// every Shear process publishes. Does I/O: call it off the UI thread.
public final class GuestStates {
    private final GuestHost host;
    private final GuestRuns runs;

    public GuestStates(DatacenterRoot root, GuestHost host) {
        this.host = host;
        this.runs = new GuestRuns(root);
    }

    public GuestState of(int vmid) throws IOException {
        Optional<GuestHost.Hosted> here = host.hosted(vmid);
        if (here.isPresent()) {
            return new GuestState.RunningHere(here.get().exports());
        }
        Optional<RunInfo> holder = runs.holder(vmid);
        if (holder.isEmpty()) {
            return new GuestState.Stopped();
        }
        return holder.get().isRunning() ? new GuestState.RunningElsewhere(holder.get()) : new GuestState.Busy(holder.get());
    }
}
