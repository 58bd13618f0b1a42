package dev.shear.app.storage;

import dev.shear.app.AppContext;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Refresher;
import java.util.stream.Collectors;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.vzdump.StaleCleanup;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import dev.shear.datacenter.VolumeKind;

/// The storage view's model: capacity and use, formats, thin/discard, its volumes and fleecing
/// images (in use / stale / orphan), and the one-click cleanup of stale fleecing images — which
/// shows exactly what goes and how many bytes it frees, asks once, removes, then reports.
/// UI thread only.
public final class StorageViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 3_000_000_000L;

    private final AppContext ctx;
    private final String id;
    private final ReadOnlyObjectWrapper<StorageDetails> details = new ReadOnlyObjectWrapper<>();
    private final ObservableList<VolumeInfo> volumes = FXCollections.observableArrayList();
    private final ObservableList<FleecingImageRow> fleecing = FXCollections.observableArrayList();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper("");
    private final Refresher<StorageDetails> refresher;

    public StorageViewModel(AppContext ctx, String id) {
        this.ctx = ctx;
        this.id = id;
        refresher = new Refresher<>(ctx.tasks(), ctx.frames(), REFRESH_NANOS, () -> StorageDetails.read(ctx.dc(), id),
                this::show, e -> problem.set("Cannot read storage '" + id + "': " + Errors.describe(e)));
    }

    /// Reads the storage again (in the background).
    public void refresh() {
        refresher.now();
    }

    private void show(StorageDetails d) {
        problem.set("");
        details.set(d);
        if (!d.volumes().equals(volumes)) {
            volumes.setAll(d.volumes());
        }
        if (!d.fleecing().equals(fleecing)) {
            fleecing.setAll(d.fleecing());
        }
    }

    /// Finds the stale fleecing images, shows exactly what goes, and on the go-ahead removes them
    /// and reports what was freed.
    public void cleanUp() {
        busy.set(true);
        StaleCleanup cleanup = new StaleCleanup(ctx.dc());
        ctx.tasks().execute(() -> {
            Set<Integer> owners = ctx.dc().storages().get(id).volumes().stream()
                    .filter(v -> v.id().name().kind() == VolumeKind.FLEECE).map(v -> v.id().name().vmid())
                    .collect(Collectors.toSet());
            return StorageFleecing.forStorage(id, owners, cleanup.find());
        }, plan -> {
            if (plan.isEmpty()) {
                busy.set(false);
                ctx.dialogs().showInfo("Nothing to clean up", "Storage '" + id + "' has no stale fleecing images."
                        + notes(plan));
                return;
            }
            String what = plan.items().stream().map(StaleCleanup.Item::toString).collect(Collectors.joining("\n"));
            ctx.dialogs().confirm("Clean up stale fleecing images", "Remove " + plan.items().size() + " item(s) from '"
                    + id + "' and free " + Formats.bytes(plan.bytes()) + "?", what + notes(plan),
                    "Remove and free " + Formats.bytes(plan.bytes()), yes -> {
                        if (yes) {
                            execute(cleanup, plan);
                        } else {
                            busy.set(false);
                        }
                    });
        }, e -> {
            busy.set(false);
            ctx.dialogs().showError("Cannot look for stale fleecing images", Errors.describe(e));
        });
    }

    private static String notes(StaleCleanup.Plan plan) {
        return plan.notes().isEmpty() ? "" : "\n\nLeft alone:\n" + String.join("\n", plan.notes());
    }

    private void execute(StaleCleanup cleanup, StaleCleanup.Plan plan) {
        ctx.tasks().execute(() -> cleanup.execute(plan), report -> {
            busy.set(false);
            List<String> problems = new ArrayList<>(report.failures());
            problems.addAll(report.left());
            String text = "Removed " + report.removed().size() + " item(s) and freed " + Formats.bytes(report.freed())
                    + "." + (problems.isEmpty() ? "" : "\n\nNot removed:\n" + String.join("\n", problems));
            if (problems.isEmpty()) {
                ctx.dialogs().showInfo("Cleanup done", text);
            } else {
                ctx.dialogs().showError("Cleanup incomplete", text);
            }
            refresh();
        }, e -> {
            busy.set(false);
            ctx.dialogs().showError("Cleanup failed", Errors.describe(e));
            refresh();
        });
    }

    public String id() {
        return id;
    }

    public ReadOnlyObjectProperty<StorageDetails> detailsProperty() {
        return details.getReadOnlyProperty();
    }

    public ObservableList<VolumeInfo> volumes() {
        return volumes;
    }

    public ObservableList<FleecingImageRow> fleecing() {
        return fleecing;
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    @Override
    public void close() {
        refresher.close();
    }
}
