package dev.shear.app.guest;

import dev.shear.block.BlockNode;
import dev.shear.block.load.LoadGenerator;
import dev.shear.block.load.LoadSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/// Plays a guest writing to its disks (the demo's "guest load"): one [LoadGenerator] per disk,
/// random 4 KiB requests, 80 % writes, the chosen IOPS shared among the disks. It runs until
/// [#close()]; the rate can change while it runs.
///
/// Thread-safe: the generators are; `lastCount`/`lastNanos` are guarded by `this`.
public final class GuestLoad implements AutoCloseable {
    /// The slider's range.
    public static final int MIN_IOPS = 100;
    public static final int MAX_IOPS = 5000;
    public static final int DEFAULT_IOPS = 500;
    private static final System.Logger LOG = System.getLogger(GuestLoad.class.getName());

    /// What the load achieves: write requests per second since the last look, and the 99th
    /// percentile write latency so far.
    public record Stats(double writesPerSecond, long p99Micros) {
    }

    private final List<LoadGenerator> generators = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<? extends AutoCloseable> owned;
    private long lastCount;
    private volatile int iops;
    private long lastNanos = System.nanoTime();

    private GuestLoad(List<? extends AutoCloseable> owned) {
        this.owned = owned;
    }

    /// Starts load on `disks` at `iops` in total; `owned` (e.g. NBD client connections) are closed
    /// with the load.
    public static GuestLoad start(String guest, List<? extends BlockNode> disks, List<? extends AutoCloseable> owned,
                                  int iops) {
        GuestLoad load = new GuestLoad(owned);
        load.iops = iops;
        int share = share(iops, disks.size());
        long seed = guest.hashCode() * 31L + System.nanoTime();
        for (BlockNode d : disks) {
            LoadGenerator g = new LoadGenerator(d, new LoadSpec(share, 0.8, 4096, Duration.ofDays(365), 16, seed++));
            load.generators.add(g);
            load.threads.add(Thread.ofPlatform().daemon().name("shear-load-" + guest + "-" + load.threads.size())
                    .start(() -> run(g)));
        }
        return load;
    }

    private static void run(LoadGenerator g) {
        try {
            var result = g.run();
            if (result.errors() > 0) {
                LOG.log(System.Logger.Level.WARNING, "guest load ended with " + result.errors() + " errors; first: "
                        + result.firstError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int share(int iops, int disks) {
        return Math.max(1, iops / Math.max(1, disks));
    }

    /// Changes the total rate.
    public void setIops(int iops) {
        this.iops = iops;
        for (LoadGenerator g : generators) {
            g.setIops(share(iops, generators.size()));
        }
    }

    /// The total rate asked for.
    public int iops() {
        return iops;
    }

    /// Writes per second since the previous call, and latency so far.
    public synchronized Stats stats() {
        long count = 0;
        long p99 = 0;
        for (LoadGenerator g : generators) {
            count += g.writeLatencies().count();
            p99 = Math.max(p99, g.writeLatencies().percentileMicros(99));
        }
        long now = System.nanoTime();
        double rate = now > lastNanos ? (count - lastCount) * 1e9 / (now - lastNanos) : 0;
        lastCount = count;
        lastNanos = now;
        return new Stats(rate, p99);
    }

    /// Stops the load, waits for requests in flight, and closes what it owns.
    @Override
    public void close() throws IOException {
        generators.forEach(LoadGenerator::stop);
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException first = null;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? new IOException("closing the load's connection: " + e.getMessage(), e) : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
