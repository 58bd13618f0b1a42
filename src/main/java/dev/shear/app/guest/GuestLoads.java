package dev.shear.app.guest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/// The guest loads running in the app, by guest: a load outlives the guest view that started it
/// (the user may look elsewhere while the guest keeps writing). Thread-safe (`this` guards the map).
public final class GuestLoads implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GuestLoads.class.getName());
    private final Map<Integer, GuestLoad> loads = new HashMap<>();

    /// Registers a started load; a load already running for the guest is stopped first.
    public void put(int vmid, GuestLoad load) throws IOException {
        GuestLoad old;
        synchronized (this) {
            old = loads.put(vmid, load);
        }
        if (old != null) {
            old.close();
        }
    }

    public synchronized Optional<GuestLoad> get(int vmid) {
        return Optional.ofNullable(loads.get(vmid));
    }

    /// Stops guest `vmid`'s load, if any (waits for its requests in flight: not on the UI thread).
    public void stop(int vmid) throws IOException {
        GuestLoad l;
        synchronized (this) {
            l = loads.remove(vmid);
        }
        if (l != null) {
            l.close();
        }
    }

    @Override
    public void close() {
        List<GuestLoad> all;
        synchronized (this) {
            all = new ArrayList<>(loads.values());
            loads.clear();
        }
        for (GuestLoad l : all) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping a guest load: " + e.getMessage());
            }
        }
    }
}
