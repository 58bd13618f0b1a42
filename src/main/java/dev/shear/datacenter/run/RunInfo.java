package dev.shear.datacenter.run;

import dev.shear.datacenter.ProcessOwner;
import java.time.Instant;
import java.util.Map;

/// What a process that has a guest's disks open publishes (`run/guest-<vmid>.json`).
///
/// @param owner         the process
/// @param purpose       why: `run` (serving the guest over NBD), `backup` (an offline backup), …
/// @param exports       disk key → NBD URI, for a running guest
/// @param controlSocket the control socket path, or "" when there is none
/// @param started       when the disks were opened
public record RunInfo(ProcessOwner owner, String purpose, Map<String, String> exports, String controlSocket,
                      Instant started) {
    public RunInfo {
        exports = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(exports));
        controlSocket = controlSocket == null ? "" : controlSocket;
    }

    /// True when the guest is served over NBD (not just opened for an offline task).
    public boolean isRunning() {
        return "run".equals(purpose);
    }
}
