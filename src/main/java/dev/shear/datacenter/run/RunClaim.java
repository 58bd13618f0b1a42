package dev.shear.datacenter.run;

import dev.shear.datacenter.ProcessOwner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/// This process's claim on a guest's disks (see [GuestRuns]); close it after closing the disks.
public final class RunClaim implements AutoCloseable {
    private final GuestRuns runs;
    private final int vmid;
    private final String purpose;
    private final Path lock;
    private boolean closed;

    RunClaim(GuestRuns runs, int vmid, String purpose, Path lock) throws IOException {
        this.runs = runs;
        this.vmid = vmid;
        this.purpose = purpose;
        this.lock = lock;
        publish(Map.of(), "");
    }

    public int vmid() {
        return vmid;
    }

    /// Publishes the NBD URIs and control socket for others to find.
    public synchronized void publish(Map<String, String> exports, String controlSocket) throws IOException {
        runs.publish(vmid, new RunInfo(ProcessOwner.current(), purpose, exports, controlSocket, Instant.now()));
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            runs.unpublish(vmid);
        } finally {
            runs.release(lock);
        }
    }
}
