package dev.shear.app;

import dev.shear.app.backup.BackupLauncher;
import dev.shear.app.backup.LiveBackup;
import dev.shear.app.common.DialogService;
import dev.shear.app.common.Frames;
import dev.shear.app.common.TaskExecutor;
import dev.shear.app.guest.GuestHost;
import dev.shear.app.guest.GuestLoads;
import dev.shear.app.guest.GuestStates;
import dev.shear.app.job.LiveJobViewModel;
import dev.shear.app.main.NavItem;
import dev.shear.datacenter.Datacenter;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.Map;
import java.util.function.Consumer;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// What every view model of an open datacenter shares: the datacenter, the executor for engine
/// calls, dialogs, the frame clock, the guests this app runs (and their load), and the backups it
/// follows. Created once the datacenter is open; closed with the app.
///
/// `liveBackups`, the live models and `navigate` are UI-thread only; the rest is thread-safe.
public final class AppContext implements AutoCloseable {
    /// How long closing waits for cancelled backups to clean up.
    private static final long CLEANUP_WAIT_NANOS = 15_000_000_000L;
    private final Datacenter dc;
    private final TaskExecutor tasks;
    private final DialogService dialogs;
    private final Frames frames;
    private final GuestHost host;
    private final GuestStates states;
    private final GuestLoads loads = new GuestLoads();
    private final BackupLauncher launcher;
    private final ObservableList<LiveBackup> liveBackups = FXCollections.observableArrayList();
    /// Every backup started here, for the shutdown hook (any thread).
    private final List<LiveBackup> started = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<NavItem> navigate;
    private final Map<LiveBackup, LiveJobViewModel> liveModels = new HashMap<>();

    public AppContext(Datacenter dc, TaskExecutor tasks, DialogService dialogs, Frames frames, GuestHost host,
                      Consumer<NavItem> navigate) {
        this.dc = dc;
        this.tasks = tasks;
        this.dialogs = dialogs;
        this.frames = frames;
        this.host = host;
        this.states = new GuestStates(dc.root(), host);
        this.launcher = new BackupLauncher(dc, host, states);
        this.navigate = navigate;
    }

    public Datacenter dc() {
        return dc;
    }

    public TaskExecutor tasks() {
        return tasks;
    }

    public DialogService dialogs() {
        return dialogs;
    }

    public Frames frames() {
        return frames;
    }

    public GuestHost host() {
        return host;
    }

    public GuestStates states() {
        return states;
    }

    public GuestLoads loads() {
        return loads;
    }

    public BackupLauncher launcher() {
        return launcher;
    }

    /// Starts following a backup started here: lists it and keeps its live model (which drains its
    /// events every frame) for as long as the app runs (UI thread).
    public void follow(LiveBackup live) {
        liveModels.computeIfAbsent(live, l -> new LiveJobViewModel(l, frames));
        liveBackups.add(live);
        started.add(live);
    }

    /// The live model of a followed backup (UI thread).
    public LiveJobViewModel liveModel(LiveBackup live) {
        return liveModels.computeIfAbsent(live, l -> new LiveJobViewModel(l, frames));
    }

    /// Backups started from this app (UI thread).
    public ObservableList<LiveBackup> liveBackups() {
        return liveBackups;
    }

    /// Shows another part of the app (UI thread).
    public void navigate(NavItem item) {
        navigate.accept(item);
    }

    /// True when a backup started here still runs for guest `vmid` (UI thread).
    public boolean backupRunning(int vmid) {
        return liveBackups.stream().anyMatch(b -> b.vmid() == vmid && !b.isFinished());
    }

    /// Stops loads, cancels running backups (waiting a while for them to clean up: free their
    /// fleecing images, unlock their guests) and stops the guests this app runs. Any thread, once;
    /// also the shutdown hook's work when the process is told to end.
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loads.close();
        started.forEach(LiveBackup::cancel);
        host.close();
        long end = System.nanoTime() + CLEANUP_WAIT_NANOS;
        for (LiveBackup b : started) {
            while (!b.isFinished() && System.nanoTime() < end) {
                LockSupport.parkNanos(20_000_000L);
            }
        }
        tasks.close();
    }

    /// Ends the live models' subscriptions (UI thread).
    public void closeViews() {
        liveModels.values().forEach(LiveJobViewModel::close);
    }
}
