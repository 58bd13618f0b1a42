package dev.shear.backup;

import dev.shear.bitmap.ClusterBitmap;
import dev.shear.bitmap.DirtyTrackingNode;
import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.block.WritebackPacer;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.CbwFilter;
import dev.shear.copy.CopyOptions;
import dev.shear.copy.CopyPlan;
import dev.shear.copy.OnCbwError;
import dev.shear.copy.SnapshotAccessNode;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/// A backup of all disks of one guest from one shared point in time.
///
/// [#start()] holds the guest's I/O on every disk at once (a drained section), puts a
/// copy-before-write filter into each disk's path and freezes the dirty bitmaps, then lets I/O go
/// on: every disk's backup shows that same instant. The jobs then run one disk after another; as
/// each ends, its filter leaves the path. A failure or cancel ends the rest unrun, removes every
/// filter and leaves the source disks untouched. Targets and fleecing images belong to the caller
/// (flushed, not closed).
///
/// Two shapes per disk:
/// * **without fleecing** the filter copies old data straight to the backup target, and the job
///   copies from the live disk; guest writes wait for the target.
/// * **with fleecing** the filter copies old data to the fleecing image; the job reads the
///   snapshot-access view and, with `discard-source`, frees each finished range of the fleecing
///   image. The job's cluster size is raised to at least the filter's (the fleecing image's
///   granularity), or those discards would be aligned away.
public final class GuestBackup {
    private static final System.Logger LOG = System.getLogger(GuestBackup.class.getName());

    /// One disk to back up.
    ///
    /// @param name    the disk's name in messages and events (e.g. `scsi0`)
    /// @param seat    the disk's place in the guest's I/O path
    /// @param target  where the backup goes (same size as the disk)
    /// @param fleece  the fleecing image (same size), or null for a backup without fleecing
    /// @param tracker the disk's dirty-bitmap tracker when it has one, else null; it must be the
    ///                seat's current delegate
    /// @param sync    this disk's sync mode, or null for the options' (an incremental backup copies
    ///                some disks by bitmap and others in full when their bitmap cannot be trusted)
    public record Disk(String name, DrainableNode seat, BlockNode target, BlockNode fleece,
                       DirtyTrackingNode tracker, SyncMode sync) {
        /// A disk using the backup's sync mode.
        public Disk(String name, DrainableNode seat, BlockNode target, BlockNode fleece, DirtyTrackingNode tracker) {
            this(name, seat, target, fleece, tracker, null);
        }

        SyncMode syncOr(SyncMode fallback) {
            return sync != null ? sync : fallback;
        }
    }

    /// How the whole backup ended: the overall state and each job's.
    public record Result(JobState state, List<JobState> jobs, String error) {
    }

    private record Plan(Disk disk, int cbwCluster, int jobCluster) {
    }

    /// Everything put in place for one disk at the point in time.
    private record Running(Disk disk, BlockNode original, CbwFilter cbw, SnapshotAccessNode snapshot, BackupJob job,
                           ClusterBitmap frozen) {
    }

    private final String id;
    private final List<Plan> plans;
    private final BackupOptions options;
    private final Consumer<BackupEvent> events;
    private final List<String> warnings;
    /// Set once by start(); then read-only.
    private volatile List<Running> running = List.of();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Result result;
    private volatile boolean cancelled;

    private GuestBackup(String id, List<Plan> plans, BackupOptions options, Consumer<BackupEvent> events,
                        List<String> warnings) {
        this.id = id;
        this.plans = plans;
        this.options = options;
        this.events = events;
        this.warnings = List.copyOf(warnings);
    }

    /// Checks everything that could be wrong (sizes, options, cluster sizes) and returns a backup
    /// ready to [#start()]. Changes nothing.
    ///
    /// @throws IllegalArgumentException with a message a user can act on
    public static GuestBackup prepare(String id, List<Disk> disks, BackupOptions options,
                                      Consumer<BackupEvent> events) {
        if (disks.isEmpty()) {
            throw new IllegalArgumentException("nothing to back up: no disks");
        }
        List<Plan> plans = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Disk d : disks) {
            boolean fleecing = d.fleece() != null;
            options.withSync(d.syncOr(options.sync()), options.bitmapMode()).checkApplicable(d.tracker() != null, fleecing);
            if (d.tracker() != null && d.seat().delegate() != d.tracker()) {
                throw new IllegalArgumentException("disk " + d.name() + ": the dirty-bitmap tracker is not in its I/O path");
            }
            BlockNode live = d.seat().delegate();
            int cbwCluster = 0;
            long jobMin = options.perf().minClusterSize();
            if (fleecing) {
                cbwCluster = CopyPlan.validate(live, d.fleece(), fleecingCopy(live), warnings);
                if (cbwCluster > Math.max(jobMin, BlockCopy.DEFAULT_CLUSTER_SIZE)) {
                    warnings.add("disk " + d.name() + ": job cluster size raised to " + Sizes.format(cbwCluster)
                            + " to match the fleecing image, so discard-source can free it");
                }
                jobMin = Math.max(jobMin, cbwCluster);
            }
            int jobCluster = CopyPlan.validate(live, d.target(), jobCopyOptions(options, d, jobMin, fleecing), warnings);
            if (!fleecing) {
                cbwCluster = jobCluster;
            }
            plans.add(new Plan(d, cbwCluster, jobCluster));
        }
        return new GuestBackup(id, plans, options, events, warnings);
    }

    /// The largest task of a job with fleecing when `max-chunk` is not set (decision 0022): its
    /// reads of clusters not copied before a guest write go to the live disk, and a copy-before-write
    /// read of old data that arrives meanwhile waits behind them; 1 MiB reads (the default without
    /// fleecing, QEMU's `BLOCK_COPY_MAX_BUFFER`) showed in the guest's write tail. One job cluster
    /// when that is larger.
    public static final long FLEECING_JOB_CHUNK = 256L << 10;

    /// The write-behind of a filter that copies to a fleecing image (decision 0023): only under
    /// break-snapshot, where a copy that fails later breaks the snapshot and not the write the guest
    /// was told succeeded. Without fleecing every write waits for its copy to the target.
    static long fleecingWriteBehind(BackupOptions options) {
        return options.onCbwError() == OnCbwError.BREAK_SNAPSHOT ? options.writeBehind() : 0;
    }

    /// How copy-before-write copies `live`'s old data into a fleecing image: as finely as the image allows.
    static CopyOptions fleecingCopy(BlockNode live) {
        return CopyOptions.defaults().withFinestCluster(FleecingGranularity.forDisk(live.size()));
    }

    private static CopyOptions jobCopyOptions(BackupOptions o, Disk d, long minCluster, boolean fleecing) {
        return new CopyOptions(minCluster, o.perf().maxChunk(), d.syncOr(o.sync()) == SyncMode.TOP,
                fleecing && o.discardSource(), o.speed(), CopyOptions.DEFAULT_MEMORY_BUDGET);
    }

    /// Warnings found while preparing (e.g. a raised cluster size).
    public List<String> warnings() {
        return warnings;
    }

    /// The jobs, one per disk, in order (empty before start).
    public List<BackupJob> jobs() {
        return running.stream().map(Running::job).toList();
    }

    /// Fixes the point in time on every disk at once and starts copying in the background.
    public void start() {
        start(() -> { });
    }

    /// As [#start()], running `atPointInTime` while every disk's I/O is held — the instant the
    /// backup shows (a place for a guest-agent freeze, or a test's oracle copy).
    public void start(Runnable atPointInTime) {
        if (!running.isEmpty()) {
            throw new IllegalStateException("backup " + id + " already started");
        }
        for (String w : warnings) {
            events.accept(new BackupEvent.Log(id, "warning: " + w, Instant.now()));
        }
        List<DrainableNode.Drained> drained = new ArrayList<>();
        List<Running> list = new ArrayList<>();
        try {
            for (Plan p : plans) {
                drained.add(p.disk().seat().drain());
            }
            for (int i = 0; i < plans.size(); i++) {
                Running r = insert(plans.get(i));
                list.add(r);
                drained.get(i).replace(r.cbw());
            }
            atPointInTime.run();
        } catch (RuntimeException e) {
            for (int i = 0; i < list.size(); i++) {
                drained.get(i).replace(list.get(i).original());
                restoreBitmap(list.get(i), JobState.FAILED);
            }
            throw e;
        } finally {
            for (DrainableNode.Drained d : drained) {
                d.close();
            }
        }
        running = List.copyOf(list);
        events.accept(new BackupEvent.Log(id, "point in time fixed on " + list.size() + " disk(s)", Instant.now()));
        Thread.ofPlatform().name("shear-backup-" + id).daemon().start(this::runJobs);
    }

    /// Builds the filter, snapshot view and job for one disk; called while its I/O is held.
    private Running insert(Plan p) {
        Disk d = p.disk();
        BlockNode live = d.seat().delegate();
        SyncMode sync = d.syncOr(options.sync());
        ClusterBitmap frozen = null;
        ClusterBitmap initial = null;
        if (options.usesBitmap()) {
            ClusterBitmap bitmap = d.tracker().bitmap();
            frozen = bitmap.copy();
            bitmap.clear();                 // from now on it collects writes after the point in time
            if (sync.usesBitmap()) {
                initial = new ClusterBitmap(live.size(), p.jobCluster());
                initial.merge(frozen);
            }
        }
        boolean fleecing = d.fleece() != null;
        String jobId = id + "-" + d.name();
        CopyOptions jobOptions = jobCopyOptions(options, d, p.jobCluster(), fleecing);
        if (!fleecing) {
            BlockCopy shared = BlockCopy.create(live, d.target(), jobOptions, initial);
            CbwFilter cbw = new CbwFilter(shared, options.onCbwError(), options.cbwTimeoutSeconds());
            BackupJob job = new BackupJob(jobId, d.name(), shared, cbw, null, options.withSync(sync, options.bitmapMode()),
                    events);
            return new Running(d, live, cbw, null, job, frozen);
        }
        if (jobOptions.maxChunk() == 0) {
            jobOptions = jobOptions.withMaxChunk(Math.max(FLEECING_JOB_CHUNK, p.jobCluster()));
        }
        BlockCopy toFleece = BlockCopy.create(live, d.fleece(), fleecingCopy(live).withMinClusterSize(p.cbwCluster()), null);
        if (initial != null) {
            toFleece.loadInitial(initial);
        }
        CbwFilter cbw = new CbwFilter(toFleece, options.onCbwError(), options.cbwTimeoutSeconds(),
                fleecingWriteBehind(options));
        SnapshotAccessNode snapshot = new SnapshotAccessNode(cbw);
        BlockCopy toTarget = BlockCopy.create(snapshot, d.target(), jobOptions, initial);
        BackupJob job = new BackupJob(jobId, d.name(), toTarget, cbw, d.fleece(),
                options.withSync(sync, options.bitmapMode()), events);
        return new Running(d, live, cbw, snapshot, job, frozen);
    }

    private void runJobs() {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("shear-progress-" + id).daemon().factory());
        List<JobState> states = new ArrayList<>();
        String error = null;
        // the targets' page-cache data goes out in small batches, not in the kernel's bursts that
        // hold up the guest's reads (decision 0018), started by a background thread (decision 0024)
        WritebackPacer pacer = WritebackPacer.startBackground("shear-writeback-" + id,
                running.stream().map(r -> r.disk().target()).toList(), WritebackPacer.TARGET_GROWTH_LIMIT);
        try {
            for (Running r : running) {
                if (error != null || cancelled) {
                    r.job().skip(error != null ? "not run: an earlier disk failed" : "not run: cancelled");
                } else {
                    ThroughputMeter meter = new ThroughputMeter(TimeUnit.SECONDS.toNanos(2));
                    var tick = ticker.scheduleAtFixedRate(() -> publish(r, meter), 0, 250, TimeUnit.MILLISECONDS);
                    JobState end = r.job().run();
                    tick.cancel(false);
                    publish(r, meter);
                    if (end == JobState.FAILED) {
                        error = "disk " + r.disk().name() + ": " + BackupJob.message(r.job().failure());
                    }
                }
                remove(r);
                restoreBitmap(r, r.job().state());
                states.add(r.job().state());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "backup " + id + " failed unexpectedly", e);
            error = "internal error: " + e;
            for (Running r : running) {
                if (r.disk().seat().delegate() == r.cbw()) {
                    remove(r);
                }
            }
        } finally {
            pacer.close();
            stopTicker(ticker);
        }
        JobState overall = error != null ? JobState.FAILED
                : states.stream().allMatch(s -> s == JobState.COMPLETED) ? JobState.COMPLETED : JobState.CANCELLED;
        result = new Result(overall, List.copyOf(states), error);
        done.countDown();
    }

    /// Lets a progress tick still running finish instead of interrupting it: an interrupt in the
    /// middle of handing an event to a socket channel (the control socket's client) closes that
    /// channel, and the CLI then lost a backup that succeeded. Only a tick stuck for seconds (a
    /// client that stopped reading) is interrupted.
    private static void stopTicker(ScheduledExecutorService ticker) {
        ticker.shutdown();
        try {
            if (!ticker.awaitTermination(5, TimeUnit.SECONDS)) {
                ticker.shutdownNow();
            }
        } catch (InterruptedException e) {
            ticker.shutdownNow();                    // whoever interrupted us wants the end now
            Thread.currentThread().interrupt();
        }
    }

    private void publish(Running r, ThroughputMeter meter) {
        try {
            BlockCopy c = r.job().blockCopy();
            long doneBytes = c.bytesDone();
            long rate = meter.sample(System.nanoTime(), doneBytes);
            long fleeceBytes = r.disk().fleece() == null ? -1 : r.disk().fleece().allocatedBytes();
            events.accept(new BackupEvent.Progress(r.job().id(), r.disk().name(), r.job().state(), doneBytes,
                    c.bytesRemaining(), rate, fleeceBytes, Instant.now()));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "progress of " + r.job().id() + " not published: " + e.getMessage());
        }
    }

    /// Takes the disk's filter out of its I/O path.
    private void remove(Running r) {
        try (DrainableNode.Drained d = r.disk().seat().drain()) {
            d.replace(r.original());
        }
        r.cbw().close();
        if (r.snapshot() != null) {
            r.snapshot().close();
        }
    }

    /// QEMU's rules for the dirty bitmap after the job (see [BitmapMode]).
    private void restoreBitmap(Running r, JobState end) {
        if (r.frozen() == null) {
            return;
        }
        ClusterBitmap bitmap = r.disk().tracker().bitmap();
        BitmapMode mode = options.bitmapMode();
        boolean success = end == JobState.COMPLETED;
        boolean sync = (success || mode == BitmapMode.ALWAYS) && mode != BitmapMode.NEVER;
        if (!sync) {
            bitmap.merge(r.frozen());
        }
        if (!success && mode == BitmapMode.ALWAYS) {
            bitmap.merge(r.job().blockCopy().copyBitmap());
        }
    }

    /// Cancels the job running now and every one after it.
    public void cancel() {
        cancelled = true;
        for (Running r : running) {
            r.job().cancel();
        }
    }

    /// Pauses the job running now (and any that starts later stays runnable; resume to continue).
    public void pause() {
        for (Running r : running) {
            r.job().pause();
        }
    }

    public void resume() {
        for (Running r : running) {
            r.job().resume();
        }
    }

    /// Changes the bandwidth limit of every job (bytes/s, 0 = unlimited).
    public void setSpeed(long bytesPerSecond) {
        for (Running r : running) {
            r.job().setSpeed(bytesPerSecond);
        }
    }

    /// Waits for the end of every job.
    public Result await() throws InterruptedException {
        done.await();
        return result;
    }

    /// Waits at most `timeout`; null if still running.
    public Result await(long timeout, TimeUnit unit) throws InterruptedException {
        return done.await(timeout, unit) ? result : null;
    }

    public String id() {
        return id;
    }
}
