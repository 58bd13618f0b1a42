package dev.shear.app.guest;

import dev.shear.backup.BackupEvent;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/// Runs guests inside the app's own process: their disks open here, served over NBD with the
/// URIs (and a control socket) published for other Shear processes. The guest view model talks
/// to this port only, so what implements it can change without touching the views.
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

        /// Starts a live backup of the running guest.
        BackupRun backup(BackupRequest request, Consumer<BackupEvent> listener) throws IOException;
    }

    /// Starts guest `vmid` here.
    ///
    /// @throws IOException when it cannot be opened (e.g. another process has it open; the
    ///                     message says which)
    Hosted start(int vmid) throws IOException;

    /// Stops guest `vmid`: a backup running here is cancelled, NBD clients are let go after their
    /// requests in flight, the disks are flushed and closed. A guest not running here is left alone.
    void stop(int vmid) throws IOException;

    /// The guest `vmid` if it runs here.
    Optional<Hosted> hosted(int vmid);

    /// Stops every guest.
    @Override
    void close();
}
