package dev.shear.app.guest;

import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.run.OpenGuest;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/// Runs guests inside the app's own process: their disks open here, served over NBD with the
/// URIs published for other processes ([dev.shear.datacenter.run.GuestRuns]). The guest view
/// model talks to this port only, so what implements it (the in-process host now, the engine's
/// guest runtime later) can change without touching the views.
///
/// Implementations are thread-safe and never called on the UI thread.
public interface GuestHost extends AutoCloseable {

    /// A guest this process runs.
    interface Hosted {
        int vmid();

        /// The open disks; each disk's `seat()` is where guest I/O goes.
        OpenGuest open();

        /// Disk key → NBD URI, in disk order.
        Map<String, String> exports();
    }

    /// Starts guest `config.vmid()` here.
    ///
    /// @throws IOException when it cannot be opened (e.g. another process has it open; the
    ///                     message says which)
    Hosted start(GuestConfig config) throws IOException;

    /// Stops guest `vmid`: NBD clients are let go after their requests in flight, the disks are
    /// flushed and closed. A guest not running here is left alone.
    void stop(int vmid) throws IOException;

    /// The guest `vmid` if it runs here.
    Optional<Hosted> hosted(int vmid);

    /// Stops every guest.
    @Override
    void close();
}
