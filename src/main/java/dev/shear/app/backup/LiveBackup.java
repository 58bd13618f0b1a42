package dev.shear.app.backup;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.BackupJob;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/// One backup started from the app, as the app follows it: engine events come in on engine
/// threads ([#accept]) and are **coalesced** — the latest progress and state per disk win, log
/// lines queue up — until the UI takes them all at once, once a frame ([#drain]).
///
/// Thread-safe: `this` guards the pending maps and the outcome; the log queue is concurrent.
public final class LiveBackup {

    /// What a running backup can be asked (local: the engine run; remote: the control socket).
    public interface Handle {
        /// Asks the backup to stop; returns at once.
        void cancel();

        /// The disk jobs, for the cluster map; empty when the backup runs in another process or
        /// before its point in time.
        List<BackupJob> jobs();

        /// True when the engine runs in this process (so the cluster map can be drawn).
        boolean local();
    }

    /// Everything that happened since the previous drain.
    ///
    /// @param progress latest progress per disk (in the order disks first reported)
    /// @param states   latest state change per disk
    /// @param log      new log lines, oldest first
    /// @param outcome  how it ended, once it has (then it stays set)
    public record Update(Map<String, BackupEvent.Progress> progress, Map<String, BackupEvent.StateChanged> states,
                         List<BackupEvent.Log> log, BackupOutcome outcome) {
        public boolean isEmpty() {
            return progress.isEmpty() && states.isEmpty() && log.isEmpty() && outcome == null;
        }
    }

    private final BackupRequest request;
    private final String guestName;
    private final List<String> disks;
    private final Instant started = Instant.now();
    private final ConcurrentLinkedQueue<BackupEvent.Log> log = new ConcurrentLinkedQueue<>();
    /// Guarded by `this`.
    private Map<String, BackupEvent.Progress> progress = new LinkedHashMap<>();
    /// Guarded by `this`.
    private Map<String, BackupEvent.StateChanged> states = new LinkedHashMap<>();
    /// Guarded by `this`; set once.
    private BackupOutcome outcome;
    /// Guarded by `this`; set once the backup started.
    private Handle handle;
    /// Guarded by `this`: a cancel asked for before the handle existed.
    private boolean cancelRequested;

    /// @param disks the guest's disk keys, in backup order
    public LiveBackup(BackupRequest request, String guestName, List<String> disks) {
        this.request = request;
        this.guestName = guestName;
        this.disks = List.copyOf(disks);
    }

    /// The disks being backed up, in order.
    public List<String> disks() {
        return disks;
    }

    public BackupRequest request() {
        return request;
    }

    public int vmid() {
        return request.vmid();
    }

    public String guestName() {
        return guestName;
    }

    public Instant started() {
        return started;
    }

    /// Takes an engine event (any thread; quick).
    public void accept(BackupEvent e) {
        switch (e) {
            case BackupEvent.Log l -> log.add(l);
            case BackupEvent.Progress p -> {
                synchronized (this) {
                    progress.put(p.disk(), p);
                }
            }
            case BackupEvent.StateChanged s -> {
                synchronized (this) {
                    states.put(s.disk(), s);
                }
                if (s.error() != null) {
                    log.add(new BackupEvent.Log(s.jobId(), s.disk() + ": " + s.error(), s.at()));
                }
            }
        }
    }

    /// Records how the backup ended (once).
    public synchronized void finish(BackupOutcome o) {
        if (outcome == null) {
            outcome = o;
            notifyAll();
        }
    }

    /// Waits for the end (not on the UI thread) and returns the outcome.
    public synchronized BackupOutcome await() throws InterruptedException {
        while (outcome == null) {
            wait();
        }
        return outcome;
    }

    /// Everything since the previous call (UI thread, once a frame).
    public Update drain() {
        Map<String, BackupEvent.Progress> p;
        Map<String, BackupEvent.StateChanged> s;
        BackupOutcome o;
        synchronized (this) {
            p = progress;
            s = states;
            progress = new LinkedHashMap<>();
            states = new LinkedHashMap<>();
            o = outcome;
        }
        List<BackupEvent.Log> lines = new ArrayList<>();
        for (BackupEvent.Log l; (l = log.poll()) != null; ) {
            lines.add(l);
        }
        return new Update(p, s, lines, o);
    }

    public synchronized boolean isFinished() {
        return outcome != null;
    }

    synchronized void attach(Handle h) {
        handle = h;
        if (cancelRequested) {
            h.cancel();
        }
    }

    /// The running backup's jobs (empty when remote or not started).
    public List<BackupJob> jobs() {
        Handle h;
        synchronized (this) {
            h = handle;
        }
        return h == null ? List.of() : h.jobs();
    }

    /// True when the cluster map can be drawn (the engine runs here).
    public synchronized boolean isLocal() {
        return handle == null || handle.local();
    }

    /// Asks the backup to stop (any thread; returns at once).
    public void cancel() {
        Handle h;
        synchronized (this) {
            cancelRequested = true;
            h = handle;
        }
        if (h != null) {
            h.cancel();
        }
    }
}
