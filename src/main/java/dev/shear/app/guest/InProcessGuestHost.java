package dev.shear.app.guest;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.nbd.ExportRegistry;
import dev.shear.nbd.NbdExport;
import dev.shear.nbd.NbdServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/// A [GuestHost] built from engine parts: [OpenGuest] (claim + disk stacks), one [NbdServer] per
/// guest on a free loopback port, one writable export per disk named by its key
/// (`nbd://127.0.0.1:PORT/scsi0`), and the URIs published through the guest's run claim.
///
/// Thread-safe: `this` guards `running`.
public final class InProcessGuestHost implements GuestHost {
    private static final System.Logger LOG = System.getLogger(InProcessGuestHost.class.getName());

    private record Running(OpenGuest open, ExportRegistry registry, NbdServer server, Map<String, String> exports)
            implements Hosted {
        @Override
        public int vmid() {
            return open.vmid();
        }
    }

    private final Datacenter dc;
    /// Guarded by `this`.
    private final Map<Integer, Running> running = new HashMap<>();

    public InProcessGuestHost(Datacenter dc) {
        this.dc = dc;
    }

    @Override
    public synchronized Hosted start(GuestConfig config) throws IOException {
        Running r = running.get(config.vmid());
        if (r != null) {
            return r;
        }
        OpenGuest open = OpenGuest.open(dc, config, "run");
        ExportRegistry registry = new ExportRegistry();
        NbdServer server = null;
        boolean ok = false;
        try {
            for (OpenGuest.Disk d : open.disks()) {
                registry.add(new NbdExport(d.key(), d.seat(), false, "guest " + config.vmid() + " disk " + d.key()));
            }
            server = NbdServer.start(registry, NbdServer.Tcp.loopback(0));
            Map<String, String> exports = new LinkedHashMap<>();
            for (OpenGuest.Disk d : open.disks()) {
                exports.put(d.key(), server.uri(d.key()));
            }
            open.claim().publish(exports, "");
            r = new Running(open, registry, server, Map.copyOf(exports));
            running.put(config.vmid(), r);
            ok = true;
            return r;
        } finally {
            if (!ok) {
                if (server != null) {
                    server.close();
                }
                open.close();
            }
        }
    }

    @Override
    public void stop(int vmid) throws IOException {
        Running r;
        synchronized (this) {
            r = running.remove(vmid);
        }
        if (r != null) {
            shutDown(r);
        }
    }

    private static void shutDown(Running r) throws IOException {
        try {
            for (String name : r.exports().keySet()) {
                r.registry().remove(name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping guest " + r.vmid(), e);
        } finally {
            r.server().close();
            r.open().close();
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
                shutDown(r);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping guest " + r.vmid() + ": " + e.getMessage());
            }
        }
    }
}
