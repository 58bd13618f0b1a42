package dev.shear.app.archive;

import dev.shear.app.AppContext;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Frames;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The Backups place: every archive of every guest, newest first, with size, mode, time and
/// verified state. Reread every few seconds while shown. UI thread only.
public final class BackupsViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 3_000_000_000L;

    private final AppContext ctx;
    private final ObservableList<ArchiveRow> archives = FXCollections.observableArrayList();
    private final ObjectProperty<ArchiveRow> selected = new SimpleObjectProperty<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper("");
    private final Frames.Subscription ticking;
    private boolean refreshing;
    private long last;

    public BackupsViewModel(AppContext ctx) {
        this.ctx = ctx;
        ticking = ctx.frames().onFrame(now -> {
            if (now - last > REFRESH_NANOS) {
                last = now;
                refresh();
            }
        });
        refresh();
    }

    /// Reads the archives again.
    public void refresh() {
        if (refreshing) {
            return;
        }
        refreshing = true;
        ctx.tasks().execute(() -> {
            List<ArchiveRow> rows = new ArrayList<>();
            for (Archive a : new Archives(ctx.dc()).list()) {
                rows.add(ArchiveRow.of(a));
            }
            rows.sort(Comparator.comparing(ArchiveRow::time).reversed().thenComparing(ArchiveRow::id));
            return rows;
        }, rows -> {
            refreshing = false;
            problem.set("");
            if (!rows.equals(archives)) {
                ArchiveRow sel = selected.get();
                archives.setAll(rows);
                selected.set(sel == null ? null : rows.stream().filter(r -> r.id().equals(sel.id())).findFirst()
                        .orElse(null));
            }
        }, e -> {
            refreshing = false;
            problem.set("Cannot list the backups: " + Errors.describe(e));
        });
    }

    public ObservableList<ArchiveRow> archives() {
        return archives;
    }

    public ObjectProperty<ArchiveRow> selectedProperty() {
        return selected;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    @Override
    public void close() {
        ticking.cancel();
    }
}
