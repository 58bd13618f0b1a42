package dev.shear.app.job;

import dev.shear.app.backup.LiveBackup;
import dev.shear.app.clustermap.ClusterMapFeed;
import dev.shear.app.clustermap.MapFrame;
import dev.shear.app.clustermap.Viewport;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Frames;
import dev.shear.backup.BackupEvent;
import dev.shear.backup.BackupJob;
import dev.shear.backup.ClusterMap;
import dev.shear.datacenter.vzdump.BackupOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The live job view's model: once a frame it takes everything the backup published since the
/// last frame ([LiveBackup#drain]) and the newest cluster-map picture ([ClusterMapFeed#poll]) and
/// applies them — never more often, however fast the engine publishes. The cluster map follows
/// the disk being copied unless the user picked one. UI thread only.
public final class LiveJobViewModel implements AutoCloseable {
    /// Log lines kept.
    static final int MAX_LOG = 500;

    private final LiveBackup live;
    private final Map<String, DiskProgress> disks = new LinkedHashMap<>();
    private final ObservableList<DiskProgress> diskList = FXCollections.observableArrayList();
    private final ObservableList<String> log = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper state = new ReadOnlyStringWrapper("starting");
    private final ReadOnlyStringWrapper elapsed = new ReadOnlyStringWrapper("0:00");
    private final ReadOnlyDoubleWrapper overall = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyBooleanWrapper finished = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyObjectWrapper<BackupOutcome> outcome = new ReadOnlyObjectWrapper<>();
    private final ObjectProperty<String> mapDisk = new SimpleObjectProperty<>();
    private final ReadOnlyObjectWrapper<MapFrame> mapFrame = new ReadOnlyObjectWrapper<>();
    private final ClusterMapFeed feed = new ClusterMapFeed(16_000_000L);
    private final Frames.Subscription ticking;
    private String following;
    private boolean userPicked;

    public LiveJobViewModel(LiveBackup live, Frames frames) {
        this.live = live;
        for (String d : live.disks()) {
            DiskProgress p = new DiskProgress(d, live.started());
            disks.put(d, p);
            diskList.add(p);
        }
        mapDisk.set(live.disks().isEmpty() ? null : live.disks().getFirst());
        following = mapDisk.get();
        mapDisk.addListener((o, a, d) -> {
            if (d != null && !d.equals(following)) {
                userPicked = true;
            }
            feed.setSource(source(d));
            if (live.isFinished()) {
                feed.freeze();
            }
        });
        feed.setSource(source(mapDisk.get()));
        ticking = frames.onFrame(this::frame);
    }

    private java.util.function.Supplier<ClusterMap> source(String disk) {
        return () -> {
            for (BackupJob j : live.jobs()) {
                if (j.disk().equals(disk)) {
                    return j.clusterMap();
                }
            }
            return null;
        };
    }

    /// Applies what happened since the previous frame.
    void frame(long now) {
        LiveBackup.Update u = live.drain();
        for (BackupEvent.StateChanged s : u.states().values()) {
            disk(s.disk()).apply(s);
            if (s.state() == dev.shear.backup.JobState.RUNNING && !userPicked) {
                following = s.disk();
                mapDisk.set(s.disk());
            }
        }
        for (BackupEvent.Progress p : u.progress().values()) {
            disk(p.disk()).apply(p);
        }
        for (BackupEvent.Log l : u.log()) {
            log.add(Formats.time(l.at()).substring(11) + "  " + l.message());
        }
        if (log.size() > MAX_LOG) {
            log.remove(0, log.size() - MAX_LOG);
        }
        overall.set(diskList.isEmpty() ? 0 : diskList.stream().mapToDouble(d -> d.fractionProperty().get()).sum()
                / diskList.size());
        if (u.outcome() != null && !finished.get()) {
            finish(u.outcome());
        }
        if (!finished.get()) {
            elapsed.set(Formats.duration(Duration.between(live.started(), Instant.now())));
            state.set(live.jobs().isEmpty() && live.isLocal() ? "preparing" : "running");
        }
        MapFrame f = feed.poll();
        if (f != null) {
            mapFrame.set(f);
        }
    }

    private void finish(BackupOutcome o) {
        finished.set(true);
        outcome.set(o);
        feed.freeze();
        elapsed.set(Formats.duration(Duration.ofMillis((long) (o.seconds() * 1000))));
        state.set(o.ok() ? "completed" : o.error() != null && o.error().contains("cancel") ? "cancelled" : "failed");
        if (o.ok()) {
            overall.set(1);
        }
    }

    private DiskProgress disk(String name) {
        return disks.computeIfAbsent(name, n -> {
            DiskProgress p = new DiskProgress(n, live.started());
            diskList.add(p);
            return p;
        });
    }

    /// Asks the backup to stop.
    public void cancel() {
        live.cancel();
        state.set("cancelling");
    }

    /// Tells the feed what the cluster map control wants drawn.
    public void setViewport(Viewport v) {
        feed.setViewport(v);
    }

    public LiveBackup live() {
        return live;
    }

    public ObservableList<DiskProgress> disks() {
        return diskList;
    }

    public ObservableList<String> log() {
        return log;
    }

    /// starting, preparing, running, cancelling, completed, failed, cancelled.
    public ReadOnlyStringProperty stateProperty() {
        return state.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty elapsedProperty() {
        return elapsed.getReadOnlyProperty();
    }

    /// All disks together, 0 … 1.
    public ReadOnlyDoubleProperty overallProperty() {
        return overall.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty finishedProperty() {
        return finished.getReadOnlyProperty();
    }

    /// How it ended, once it has.
    public ReadOnlyObjectProperty<BackupOutcome> outcomeProperty() {
        return outcome.getReadOnlyProperty();
    }

    /// The disk the cluster map shows.
    public ObjectProperty<String> mapDiskProperty() {
        return mapDisk;
    }

    /// The newest cluster-map picture.
    public ReadOnlyObjectProperty<MapFrame> mapFrameProperty() {
        return mapFrame.getReadOnlyProperty();
    }

    /// The disk names, for the map's disk picker.
    public List<String> diskNames() {
        return live.disks();
    }

    @Override
    public void close() {
        ticking.cancel();
        feed.close();
    }
}
