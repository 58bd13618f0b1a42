package dev.shear.app.guest;

import dev.shear.app.AppContext;
import dev.shear.datacenter.archive.ArchiveSummary;
import dev.shear.app.backup.StorageChoices;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Frames;
import dev.shear.app.common.Refresher;
import dev.shear.app.main.NavItem;
import dev.shear.block.BlockNode;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.nbd.NbdClientNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The guest view's model: state, disks with NBD URIs, Start/Stop, the guest load (on/off and
/// IOPS) and Backup now. Every engine call runs through the context's executor; errors become
/// readable dialogs. UI thread only.
public final class GuestViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 2_000_000_000L;
    private static final long STATS_NANOS = 1_000_000_000L;

    private final AppContext ctx;
    private final int vmid;
    private final ReadOnlyObjectWrapper<GuestDetails> details = new ReadOnlyObjectWrapper<>();
    private final ObservableList<DiskRow> disks = FXCollections.observableArrayList();
    private final ObservableList<ArchiveSummary> backups = FXCollections.observableArrayList();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final BooleanProperty loadOn = new SimpleBooleanProperty(false);
    private final IntegerProperty iops = new SimpleIntegerProperty(GuestLoad.DEFAULT_IOPS);
    private final ReadOnlyStringWrapper loadStats = new ReadOnlyStringWrapper("");
    private final Frames.Subscription ticking;
    private final Refresher<GuestDetails> refresher;
    private boolean applyingLoad;
    private long lastStats;

    public GuestViewModel(AppContext ctx, int vmid) {
        this.ctx = ctx;
        this.vmid = vmid;
        ctx.loads().get(vmid).ifPresent(l -> {
            setLoadQuietly(true);
            iops.set(l.iops());
        });
        loadOn.addListener((o, a, on) -> {
            if (!applyingLoad) {
                applyLoad(on);
            }
        });
        iops.addListener((o, a, n) -> ctx.loads().get(vmid).ifPresent(l -> l.setIops(n.intValue())));
        ticking = ctx.frames().onFrame(this::frame);
        refresher = new Refresher<>(ctx.tasks(), ctx.frames(), REFRESH_NANOS,
                () -> GuestDetails.read(ctx.dc(), ctx.states(), ctx.host(), vmid), this::show, e -> details.set(null));
    }

    private void frame(long now) {
        if (now - lastStats > STATS_NANOS) {
            lastStats = now;
            loadStats.set(ctx.loads().get(vmid).map(l -> {
                GuestLoad.Stats s = l.stats();
                return String.format(Locale.ROOT, "%.0f writes/s · p99 %.1f ms", s.writesPerSecond(), s.p99Micros() / 1e3);
            }).orElse(""));
        }
    }

    /// Reads the guest again (in the background).
    public void refresh() {
        refresher.now();
    }

    private void show(GuestDetails d) {
        details.set(d);
        if (!d.disks().equals(disks)) {
            disks.setAll(d.disks());
        }
        if (!d.backups().equals(backups)) {
            backups.setAll(d.backups());
        }
        if (!d.state().isRunning() && loadOn.get()) {
            setLoadQuietly(false);
        }
    }

    /// Starts the guest in this app.
    public void start() {
        GuestDetails d = details.get();
        if (d == null) {
            return;
        }
        run("Cannot start guest " + vmid, () -> ctx.host().start(vmid));
    }

    /// Stops the guest this app runs (its load first).
    public void stop() {
        if (ctx.backupRunning(vmid)) {
            ctx.dialogs().showError("Cannot stop guest " + vmid, "A backup of guest " + vmid
                    + " started here is still running; wait for it or cancel it first.");
            return;
        }
        setLoadQuietly(false);
        run("Cannot stop guest " + vmid, () -> {
            ctx.loads().stop(vmid);
            ctx.host().stop(vmid);
            return null;
        });
    }

    private interface Work {
        Object call() throws IOException;
    }

    private void run(String failure, Work work) {
        busy.set(true);
        ctx.tasks().execute(work::call, r -> {
            busy.set(false);
            refresh();
        }, e -> {
            busy.set(false);
            ctx.dialogs().showError(failure, Errors.describe(e));
            refresh();
        });
    }

    private void applyLoad(boolean on) {
        if (!on) {
            run("Cannot stop the guest load", () -> {
                ctx.loads().stop(vmid);
                return null;
            });
            return;
        }
        GuestDetails d = details.get();
        if (d == null || !d.state().isRunning()) {
            setLoadQuietly(false);
            ctx.dialogs().showError("No guest load", "Guest " + vmid + " is not running: start it to put load on it.");
            return;
        }
        int rate = iops.get();
        busy.set(true);
        ctx.tasks().execute(() -> startLoad(d, rate), l -> busy.set(false), e -> {
            busy.set(false);
            setLoadQuietly(false);
            ctx.dialogs().showError("Cannot start the guest load", Errors.describe(e));
        });
    }

    private GuestLoad startLoad(GuestDetails d, int rate) throws IOException {
        List<BlockNode> targets = new ArrayList<>();
        List<NbdClientNode> owned = new ArrayList<>();
        var hosted = ctx.host().hosted(vmid);
        if (hosted.isPresent()) {
            for (OpenGuest.Disk disk : hosted.get().open().disks()) {
                targets.add(disk.seat());
            }
        } else {
            try {
                for (String uri : d.state().exports().values()) {
                    NbdClientNode n = NbdClientNode.connect(uri);
                    owned.add(n);
                    targets.add(n);
                }
            } catch (IOException e) {
                for (NbdClientNode n : owned) {
                    n.close();
                }
                throw e;
            }
        }
        GuestLoad load = GuestLoad.start(Integer.toString(vmid), targets, owned, rate);
        ctx.loads().put(vmid, load);
        return load;
    }

    private void setLoadQuietly(boolean on) {
        applyingLoad = true;
        try {
            loadOn.set(on);
        } finally {
            applyingLoad = false;
        }
    }

    /// Opens the backup dialog; OK starts the backup and shows it live.
    public void backupNow() {
        if (ctx.backupRunning(vmid)) {
            ctx.dialogs().showError("Backup already running", "A backup of guest " + vmid
                    + " started here is still running.");
            return;
        }
        ctx.tasks().execute(() -> StorageChoices.dialogFor(ctx.dc(), ctx.dc().guests().get(vmid)),
                form -> ctx.dialogs().showForm(form, this::launch),
                e -> ctx.dialogs().showError("Cannot back up guest " + vmid, Errors.describe(e)));
    }

    private void launch(BackupRequest request) {
        busy.set(true);
        ctx.tasks().execute(() -> ctx.launcher().start(request), live -> {
            busy.set(false);
            ctx.follow(live);
            ctx.navigate(new NavItem.Live(live));
        }, e -> {
            busy.set(false);
            ctx.dialogs().showError("Backup of guest " + vmid + " not started", Errors.describe(e));
        });
    }

    public int vmid() {
        return vmid;
    }

    /// The last reading, or null (not read yet, or the guest is gone).
    public ReadOnlyObjectProperty<GuestDetails> detailsProperty() {
        return details.getReadOnlyProperty();
    }

    public GuestConfig config() {
        return details.get() == null ? null : details.get().config();
    }

    public ObservableList<DiskRow> disks() {
        return disks;
    }

    /// The guest's backups, newest first.
    public ObservableList<ArchiveSummary> backups() {
        return backups;
    }

    /// True while a start, stop or load change is under way.
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public BooleanProperty loadOnProperty() {
        return loadOn;
    }

    public IntegerProperty iopsProperty() {
        return iops;
    }

    /// "498 writes/s · p99 1.3 ms" while the load runs.
    public ReadOnlyStringProperty loadStatsProperty() {
        return loadStats.getReadOnlyProperty();
    }

    @Override
    public void close() {
        ticking.cancel();
        refresher.close();
    }
}
