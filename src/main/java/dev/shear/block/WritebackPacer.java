package dev.shear.block;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/// Starts the writeback of a running guest's disks every [#GUEST_DISKS] (and of a backup's targets
/// every [#TARGETS]), so that the data the guest
/// wrote through the page cache goes to storage in small, steady batches instead of the kernel's
/// bursts (decision 0018).
///
/// The kernel writes a dirty page back once it is 30 s old (`dirty_expire_centisecs`), and its
/// flusher wakes every 5 s: a guest writing 2000 random 4 KiB blocks a second leaves tens of
/// thousands of dirty pages that go out together, and every read behind them (a guest read, the
/// copy-before-write read of old data) waits for the device. QEMU avoids this with
/// `cache=none` (`O_DIRECT`, Proxmox VE's default); Shear keeps the page cache for the guest's
/// writes and hands them to the device a few hundred at a time.
///
/// One platform thread per pacer; [#close()] stops it and waits for it. A node that fails is
/// logged once and still tried again (a full or failing storage is reported by the guest's own
/// writes and flushes, not here).
public final class WritebackPacer implements AutoCloseable {
    /// How often a running guest's disks are written back: at 2000 writes/s, batches of about 200
    /// pages.
    public static final Duration GUEST_DISKS = Duration.ofMillis(100);
    /// How often a backup's targets are: they are written sequentially, in large requests that
    /// the device takes quickly, and more frequent writeback cost an unthrottled backup a third of
    /// its throughput (870 → 620 MB/s at 100 ms).
    public static final Duration TARGETS = Duration.ofSeconds(1);

    private static final Logger LOG = System.getLogger(WritebackPacer.class.getName());
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("shear.paced-writeback", "true"));
    private final List<BlockNode> nodes;
    private final Duration interval;
    private final boolean[] failed;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile long rounds;

    private WritebackPacer(String name, List<BlockNode> nodes, Duration interval) {
        this.nodes = List.copyOf(nodes);
        this.interval = interval;
        this.failed = new boolean[this.nodes.size()];
        this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::loop);
    }

    /// Starts the writeback of `nodes` every `interval` on a thread called `name`. Never throws:
    /// when no thread can be started the kernel's own writeback stays in charge (logged).
    /// `-Dshear.paced-writeback=false` leaves it to the kernel always.
    public static WritebackPacer start(String name, List<BlockNode> nodes, Duration interval) {
        WritebackPacer p = new WritebackPacer(name, nodes, interval);
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

    /// Rounds completed so far (each started the writeback of every node).
    public long rounds() {
        return rounds;
    }

    private void loop() {
        try {
            while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                for (int i = 0; i < nodes.size(); i++) {
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
