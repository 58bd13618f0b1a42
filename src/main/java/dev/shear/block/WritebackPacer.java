package dev.shear.block;

import dev.shear.util.IoThreads;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/// Starts the writeback of a running guest's disks (and of a backup's slow targets) every
/// [#INTERVAL], so that what the guest wrote through the page cache goes to storage in small,
/// steady batches instead of the kernel's bursts (decision 0018).
///
/// The kernel writes a dirty page back once it is 30 s old (`dirty_expire_centisecs`), and its
/// flusher wakes every 5 s: a guest writing 2000 random 4 KiB blocks a second leaves tens of
/// thousands of dirty pages that go out together, and every read behind them (a guest read, the
/// copy-before-write read of old data) waits for the device. QEMU avoids this with
/// `cache=none` (`O_DIRECT`, Proxmox VE's default); Shear keeps the page cache for the guest's
/// writes and hands them to the device a few hundred at a time.
///
/// One platform thread per pacer; [#close()] stops it and waits for it. A node that fails is
/// logged once per run of failures and still tried again (a full or failing storage is reported
/// by the guest's own writes and flushes, not here).
public final class WritebackPacer implements AutoCloseable {
    /// How often the writeback starts: for a guest writing 2000 blocks a second, batches of about
    /// 20 pages (decision 0021).
    public static final Duration INTERVAL = Duration.ofMillis(10);
    /// Every node, every round: a running guest's disks.
    public static final long ALWAYS = Long.MAX_VALUE;
    /// A backup target that grew by more than this in one round (80 MB/s) is left to the kernel
    /// for that round: a fast copy fills the page cache so quickly that the kernel's own
    /// background writeback starts soon anyway, and starting it every round on top cost an
    /// unthrottled backup up to a third of its throughput (870 → 620 MB/s in one pair of runs).
    /// A slow target (a throttled or remote one) is what would otherwise sit dirty for 30 s.
    public static final long TARGET_GROWTH_LIMIT = 80_000_000L * INTERVAL.toMillis() / 1000;

    private static final Logger LOG = System.getLogger(WritebackPacer.class.getName());
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("shear.paced-writeback", "true"));
    private final List<BlockNode> nodes;
    private final long growthLimit;
    private final long[] allocated;
    private final boolean[] failed;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private final boolean background;
    private volatile long rounds;

    private WritebackPacer(String name, List<BlockNode> nodes, long growthLimit, boolean background) {
        this.nodes = List.copyOf(nodes);
        this.growthLimit = growthLimit;
        this.background = background;
        this.allocated = new long[this.nodes.size()];
        this.failed = new boolean[this.nodes.size()];
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::loop);
    }

    /// Starts the writeback of `nodes` every [#INTERVAL] on a thread called `name`, skipping a
    /// node in a round where its allocation grew by more than `growthLimit` bytes ([#ALWAYS] or
    /// [#TARGET_GROWTH_LIMIT]). Never throws: when no thread can be started the kernel's own
    /// writeback stays in charge (logged). `-Dshear.paced-writeback=false` leaves it to the kernel
    /// always.
    public static WritebackPacer start(String name, List<BlockNode> nodes, long growthLimit) {
        return start(name, nodes, growthLimit, false);
    }

    /// [#start] for a backup's own nodes (its targets): the thread is a background thread
    /// ([IoThreads#becomeBackground], decision 0024), so that the writeback it starts, kernel work
    /// of up to a millisecond a round that a kernel without preemption cannot interrupt, begins when
    /// no guest thread waits for the CPU.
    public static WritebackPacer startBackground(String name, List<BlockNode> nodes, long growthLimit) {
        return start(name, nodes, growthLimit, true);
    }

    private static WritebackPacer start(String name, List<BlockNode> nodes, long growthLimit, boolean background) {
        WritebackPacer p = new WritebackPacer(name, nodes, growthLimit, background);
        if (!ENABLED) {
            return p;
        }
        try {
            p.thread.start();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, "no paced writeback (" + name + "): " + e);
        }
        return p;
    }

    /// Rounds completed so far (each asked every node that was not written too fast).
    public long rounds() {
        return rounds;
    }

    private void loop() {
        if (background) {
            IoThreads.becomeBackground();
        }
        for (int i = 0; i < nodes.size(); i++) {
            allocated[i] = allocation(i);
        }
        try {
            while (!stop.await(INTERVAL.toNanos(), TimeUnit.NANOSECONDS)) {
                for (int i = 0; i < nodes.size(); i++) {
                    long now = allocation(i);
                    long grown = now - allocated[i];
                    allocated[i] = now;
                    if (grown > growthLimit) {
                        continue;                       // written fast: the kernel's writeback keeps up
                    }
                    try {
                        nodes.get(i).startWriteback();
                        failed[i] = false;
                    } catch (IOException | RuntimeException e) {
                        if (!failed[i]) {
                            failed[i] = true;
                            LOG.log(Level.WARNING, "could not start the writeback of " + nodes.get(i).describe()
                                    + ": " + e.getMessage());
                        }
                    }
                }
                rounds++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /// The node's allocated bytes, 0 when unknown (a failure shows at startWriteback).
    private long allocation(int i) {
        if (growthLimit == ALWAYS) {
            return 0;
        }
        try {
            return Math.max(0, nodes.get(i).allocatedBytes());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /// Stops pacing and waits for the thread to end. Idempotent.
    @Override
    public void close() {
        stop.countDown();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
