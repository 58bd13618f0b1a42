package dev.shear.control;

import dev.shear.backup.EngineWarmup;
import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.nbd.ExportRegistry;
import dev.shear.nbd.NbdClientNode;
import dev.shear.nbd.NbdExport;
import dev.shear.nbd.NbdServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/// The engine warm-up ([EngineWarmup]) with its writers going through an NBD server on the
/// loopback, as a running guest's requests do: the server's request path (reading, running a
/// request on the reading thread or the pool, `submitWrite`, replies) is compiled too before a
/// guest's writes first meet copy-before-write. Without it the first half second of a guest's
/// load after a fresh `shear run` had 70–100 writes slower than 2 ms (decision 0019).
final class ServedWarmup implements EngineWarmup.Access {
    private static final System.Logger LOG = System.getLogger(ServedWarmup.class.getName());

    /// Starts the warm-up on a thread of its own unless this process did it already; a backup
    /// that starts meanwhile waits for it ([EngineWarmup#ensure()]).
    static void startInBackground() {
        if (EngineWarmup.isDone()) {
            return;
        }
        Thread.ofPlatform().daemon().name("shear-warmup").start(() -> EngineWarmup.ensure(new ServedWarmup()));
    }

    @Override
    public EngineWarmup.Reach reach(List<DrainableNode> seats) throws IOException {
        LOG.log(System.Logger.Level.INFO, "warming the engine up through a scratch NBD server on the loopback");
        ExportRegistry registry = new ExportRegistry();
        for (int i = 0; i < seats.size(); i++) {
            registry.add(new NbdExport("warmup" + i, seats.get(i), false, "engine warm-up scratch disk " + i));
        }
        NbdServer server = NbdServer.start(registry, NbdServer.Tcp.loopback(0));
        List<NbdClientNode> clients = new ArrayList<>();
        EngineWarmup.Reach reach = new EngineWarmup.Reach() {
            @Override
            public List<? extends BlockNode> nodes() {
                return clients;
            }

            @Override
            public void close() throws IOException {
                try {
                    for (NbdClientNode c : clients) {
                        c.close();
                    }
                } finally {
                    server.close();
                }
            }
        };
        try {
            for (int i = 0; i < seats.size(); i++) {
                clients.add(NbdClientNode.connect(server.uri("warmup" + i)));
            }
        } catch (IOException | RuntimeException e) {
            reach.close();
            throw e;
        }
        return reach;
    }
}
