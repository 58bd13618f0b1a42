package dev.shear.app.job;

import dev.shear.app.common.Formats;
import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import java.time.Duration;
import java.time.Instant;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The live view of one disk's backup job: progress, bytes done of total, MB/s, ETA, the fleecing
/// image's size on disk, and the samples of the throughput and fleecing-size charts (at most two a
/// second, the last [#MAX_SAMPLES] kept). UI thread only.
public final class DiskProgress {
    /// Chart points kept per series.
    public static final int MAX_SAMPLES = 600;
    private static final double SAMPLE_SECONDS = 0.5;

    private final String disk;
    private final Instant started;
    private final ReadOnlyDoubleWrapper fraction = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper bytes = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper rate = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper eta = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper fleece = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper state = new ReadOnlyStringWrapper("waiting");
    private final ObservableList<Sample> throughput = FXCollections.observableArrayList();
    private final ObservableList<Sample> fleeceSize = FXCollections.observableArrayList();
    private BackupEvent.Progress last;
    private double lastSample = -1;

    public DiskProgress(String disk, Instant started) {
        this.disk = disk;
        this.started = started;
    }

    /// Applies the latest progress of this disk.
    public void apply(BackupEvent.Progress p) {
        last = p;
        fraction.set(p.fraction());
        bytes.set(Formats.bytes(p.bytesDone()) + " of " + Formats.bytes(p.bytesTotal()));
        rate.set(p.state().isFinal() ? "" : Formats.rate(p.bytesPerSecond()));
        eta.set(p.state().isFinal() ? "" : "ETA " + Formats.duration(Formats.eta(p.bytesRemaining(), p.bytesPerSecond())));
        fleece.set(p.fleeceAllocated() < 0 ? "" : "fleecing image " + Formats.bytes(p.fleeceAllocated()));
        if (!p.state().isFinal()) {
            state.set(word(p.state()));
        }
        double t = Duration.between(started, p.at()).toMillis() / 1000.0;
        if (lastSample < 0 || t - lastSample >= SAMPLE_SECONDS || p.state().isFinal()) {
            lastSample = t;
            add(throughput, new Sample(t, p.bytesPerSecond() / 1e6));
            if (p.fleeceAllocated() >= 0) {
                add(fleeceSize, new Sample(t, p.fleeceAllocated() / (double) (1 << 20)));
            }
        }
    }

    /// Applies a state change of this disk's job.
    public void apply(BackupEvent.StateChanged s) {
        state.set(word(s.state()) + (s.error() == null ? "" : ": " + s.error()));
        if (s.state() == JobState.COMPLETED && last != null) {
            fraction.set(1);
        }
    }

    private static void add(ObservableList<Sample> l, Sample s) {
        if (l.size() >= MAX_SAMPLES) {
            l.remove(0);
        }
        l.add(s);
    }

    private static String word(JobState s) {
        return s.name().toLowerCase(java.util.Locale.ROOT);
    }

    public String disk() {
        return disk;
    }

    public ReadOnlyDoubleProperty fractionProperty() {
        return fraction.getReadOnlyProperty();
    }

    /// "1.2 GiB of 4 GiB".
    public ReadOnlyStringProperty bytesProperty() {
        return bytes.getReadOnlyProperty();
    }

    /// "48.7 MB/s".
    public ReadOnlyStringProperty rateProperty() {
        return rate.getReadOnlyProperty();
    }

    /// "ETA 0:12".
    public ReadOnlyStringProperty etaProperty() {
        return eta.getReadOnlyProperty();
    }

    /// "fleecing image 1.5 MiB on disk", or "" without fleecing.
    public ReadOnlyStringProperty fleeceProperty() {
        return fleece.getReadOnlyProperty();
    }

    /// waiting, running, completed, failed: …, cancelled.
    public ReadOnlyStringProperty stateProperty() {
        return state.getReadOnlyProperty();
    }

    /// MB/s over time.
    public ObservableList<Sample> throughput() {
        return throughput;
    }

    /// MiB of the fleecing image on disk over time.
    public ObservableList<Sample> fleeceSize() {
        return fleeceSize;
    }
}
