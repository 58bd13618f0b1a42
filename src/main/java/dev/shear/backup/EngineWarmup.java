package dev.shear.backup;

import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.block.RawFileNode;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.util.FileTrees;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/// Runs the copy-before-write path a few ten thousand times on scratch images before a process puts
/// it into a running guest's write path for the first time (a backup with fleecing or a pull-mode
/// snapshot), so the JIT has compiled it when the guest's writes first meet it. Callers that fix a
/// point in time under a live guest call [#ensure()] first; an offline backup has no guest writes
/// and does not.
///
/// Without it the first second of a process's first backup with fleecing runs the filter, the
/// snapshot view, block-copy and the qcow2 fleecing image in the interpreter, and guest writes
/// queue behind it (p99 of 1.5–1.8 ms in the first backup of `shear bench backup`, 0.4–0.6 ms in
/// the next ones). See `docs/decisions/0014-engine-warm-up.md`.
///
/// The scratch images (a raw and a qcow2 disk of [#DISK_SIZE], their fleecing images and
/// targets) live in a new directory under the system's temporary directory and are removed
/// afterwards. The same node types as a real backup's are used, so the compiled code fits.
/// At most once per process; the system property `shear.warmup=false` turns it off.
public final class EngineWarmup {
    private static final System.Logger LOG = System.getLogger(EngineWarmup.class.getName());
    static final long DISK_SIZE = 16L << 20;
    private static final int BLOCK = 4096;
    private static final long MIN_WRITES = 40_000;
    private static final long MAX_NANOS = 4_000_000_000L;
    private static final AtomicBoolean DONE = new AtomicBoolean();
    private static final Object LOCK = new Object();

    /// What one warm-up did.
    ///
    /// @param rounds       backups run
    /// @param guestWrites  guest writes issued during them
    /// @param copies       of those, the ones that copied old data first
    /// @param seconds      how long it took
    public record Stats(int rounds, long guestWrites, long copies, double seconds) {
        /// One line for logs.
        public String describe() {
            return String.format(java.util.Locale.ROOT, "engine warmed up for copy-before-write: %d scratch backups, "
                    + "%,d guest writes (%,d copied old data) in %.1f s", rounds, guestWrites, copies, seconds);
        }
    }

    private EngineWarmup() {
    }

    /// How the warm-up's writers reach the scratch disks' seats: directly, or through the server a
    /// running guest's requests come through (so that its code is compiled too).
    @FunctionalInterface
    public interface Access {
        /// Nodes that reach `seats`, in order; closed after the warm-up.
        Reach reach(List<DrainableNode> seats) throws IOException;
    }

    /// What [Access#reach] gives: the nodes, and how to let go of them.
    public interface Reach extends AutoCloseable {
        List<? extends BlockNode> nodes();

        @Override
        void close() throws IOException;
    }

    /// The writers write the seats themselves.
    public static final Access DIRECT = seats -> new Reach() {
        @Override
        public List<? extends BlockNode> nodes() {
            return seats;
        }

        @Override
        public void close() {
        }
    };

    /// Warms the engine up unless this process already did (or it is turned off); callers wait
    /// for a warm-up under way. Returns what it did, or empty when it did nothing now. A failure is
    /// logged and otherwise ignored: it only costs latency.
    public static Optional<Stats> ensure() {
        return ensure(DIRECT);
    }

    /// [#ensure()] with the writers reaching the scratch disks through `access`.
    public static Optional<Stats> ensure(Access access) {
        if (isDone()) {
            return Optional.empty();
        }
        synchronized (LOCK) {
            if (DONE.get()) {
                return Optional.empty();
            }
            try {
                Path dir = Files.createTempDirectory("shear-warmup-");
                try {
                    Stats s = run(dir, access);
                    LOG.log(Level.INFO, s.describe());
                    return Optional.of(s);
                } finally {
                    FileTrees.delete(dir);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "engine warm-up failed (the first guest writes under copy-before-write may "
                        + "be slower): " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                DONE.set(true);
            }
            return Optional.empty();
        }
    }

    /// True once this process warmed up (or tried to, or it is turned off).
    public static boolean isDone() {
        return DONE.get() || "false".equals(System.getProperty("shear.warmup"));
    }

    /// Runs backups with fleecing of a raw and a qcow2 scratch disk in `dir` while two writers
    /// write them at random, until [#MIN_WRITES] writes copied old data or [#MAX_NANOS] passed.
    /// Leaves only empty space in `dir` (every file it made is removed).
    public static Stats run(Path dir, Access access) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path rawDisk = dir.resolve("disk.raw");
        Path qcowDisk = dir.resolve("disk.qcow2");
        int rounds = 0;
        AtomicLong writes = new AtomicLong();
        long copies = 0;
        try (RawFileNode raw = RawFileNode.create(rawDisk, DISK_SIZE);
             Qcow2Node qcow = Qcow2Node.create(qcowDisk, Qcow2Options.of(DISK_SIZE))) {
            fill(raw);
            fill(qcow);
            List<DrainableNode> seats = List.of(new DrainableNode(raw), new DrainableNode(qcow));
            try (Reach reach = access.reach(seats)) {
                while (copies < MIN_WRITES && System.nanoTime() - t0 < MAX_NANOS) {
                    copies += round(dir, seats, reach.nodes(), rounds++, writes);
                }
            }
        } finally {
            Files.deleteIfExists(rawDisk);
            Files.deleteIfExists(qcowDisk);
        }
        return new Stats(rounds, writes.get(), copies, (System.nanoTime() - t0) / 1e9);
    }

    /// One backup of both seats with fleecing and discard-source (PVE's defaults) while writers run;
    /// returns how many guest requests copied old data first.
    private static long round(Path dir, List<DrainableNode> seats, List<? extends BlockNode> writeTo, int round,
            AtomicLong writes)
            throws IOException, InterruptedException {
        List<Path> files = new ArrayList<>();
        List<BlockNode> nodes = new ArrayList<>();
        try {
            List<GuestBackup.Disk> disks = new ArrayList<>();
            for (int i = 0; i < seats.size(); i++) {
                Path target = dir.resolve("target-" + round + "-" + i + ".qcow2");
                Path fleece = dir.resolve("fleece-" + round + "-" + i + ".qcow2");
                files.add(target);
                files.add(fleece);
                Qcow2Node t = Qcow2Node.create(target, Qcow2Options.of(DISK_SIZE));
                nodes.add(t);
                Qcow2Node f = Qcow2Node.create(fleece, Qcow2Options.of(DISK_SIZE)
                        .withClusterSize(FleecingGranularity.forDisk(DISK_SIZE)));
                nodes.add(f);
                disks.add(new GuestBackup.Disk("warmup" + i, seats.get(i), t, f, null));
            }
            // slow enough that the writers meet most clusters before the job copies them
            BackupOptions options = BackupOptions.fleecingDefaults().withSpeed(DISK_SIZE * 4);
            GuestBackup backup = GuestBackup.prepare("warmup-" + round, disks, options, e -> { });
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            backup.start();
            for (int w = 0; w < 2 * writeTo.size(); w++) {
                long seed = round * 31L + w;
                writers.add(Thread.ofPlatform().name("shear-warmup-writer-" + w).start(() -> {
                    try {
                        write(writeTo, seed, stop, writes);
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
            GuestBackup.Result result = backup.await();
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
            if (!failures.isEmpty()) {
                throw new IOException("warm-up guest write failed: " + failures.getFirst(), failures.getFirst());
            }
            if (result.state() != JobState.COMPLETED) {
                throw new IOException("warm-up backup ended " + result.state() + ": " + result.error());
            }
            long copied = 0;
            for (BackupJob j : backup.jobs()) {
                copied += j.filter().copiedBeforeWrite();
            }
            return copied;
        } finally {
            for (BlockNode n : nodes) {
                n.close();
            }
            for (Path p : files) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void write(List<? extends BlockNode> seats, long seed, AtomicBoolean stop, AtomicLong writes)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK);
        long blocks = DISK_SIZE / BLOCK;
        while (!stop.get()) {
            BlockNode seat = seats.get(random.nextInt(seats.size()));
            long at = random.nextLong(blocks) * BLOCK;
            int kind = random.nextInt(20);
            if (kind == 0) {
                seat.writeZeroes(at, BLOCK, true);
            } else if (kind < 4) {
                seat.read(at, buf.clear());
            } else if (kind < 6) {
                buf.clear();
                buf.putLong(0, at ^ seed);
                seat.write(at, buf, false);
            } else {                                  // as the NBD server writes (decision 0019)
                buf.clear();
                buf.putLong(0, at ^ seed);
                CompletableFuture<Void> done = new CompletableFuture<>();
                seat.submitWrite(at, buf, false, done);
                try {
                    done.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("warm-up interrupted");
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                }
            }
            writes.incrementAndGet();
        }
    }

    private static void fill(BlockNode disk) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (int i = 0; i < chunk.capacity(); i += 8) {
            chunk.putLong(i, 0x5368656172L * (i + 1));
        }
        for (long at = 0; at < disk.size(); at += chunk.capacity()) {
            disk.write(at, chunk.clear(), false);
        }
    }

}
