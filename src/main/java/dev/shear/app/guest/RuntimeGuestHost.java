package dev.shear.app.guest;

import dev.shear.backup.BackupEvent;
import dev.shear.control.GuestRuntime;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/// The [GuestHost] of the running app: each guest is a [GuestRuntime] (disks served over NBD on a
/// free loopback port through the engine, a control socket so `shear backup` in a terminal goes
/// through this process, live backups).
///
/// Thread-safe: `this` guards `running`.
public final class RuntimeGuestHost implements GuestHost {
    private static final System.Logger LOG = System.getLogger(RuntimeGuestHost.class.getName());

    private record Running(GuestRuntime rt) implements Hosted {
        @Override
        public int vmid() {
            return rt.vmid();
        }

        @Override
        public OpenGuest open() {
            return rt.guest();
        }

        @Override
        public Map<String, String> exports() {
            return rt.exports();
        }

        @Override
        public BackupRun backup(BackupRequest request, Consumer<BackupEvent> listener) throws IOException {
            return rt.backup(request, listener);
        }
    }

    private final Datacenter dc;
    /// Guarded by `this`.
    private final Map<Integer, Running> running = new HashMap<>();

    public RuntimeGuestHost(Datacenter dc) {
        this.dc = dc;
    }

    @Override
    public synchronized Hosted start(int vmid) throws IOException {
        Running r = running.get(vmid);
        if (r == null) {
            r = new Running(GuestRuntime.start(dc, vmid, GuestRuntime.Options.defaults()));
            running.put(vmid, r);
        }
        return r;
    }

    @Override
    public void stop(int vmid) throws IOException {
        Running r;
        synchronized (this) {
            r = running.remove(vmid);
        }
        if (r != null) {
            r.rt().close();
        }
    }

    @Override
    public synchronized Optional<Hosted> hosted(int vmid) {
        return Optional.ofNullable(running.get(vmid));
    }

    @Override
    public void close() {
        List<Running> all;
        synchronized (this) {
            all = new ArrayList<>(running.values());
            running.clear();
        }
        for (Running r : all) {
            try {
                r.rt().close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping guest " + r.vmid() + ": " + e.getMessage());
            }
        }
    }
}
