package dev.shear.app.task;

import dev.shear.app.AppContext;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Refresher;
import dev.shear.datacenter.TaskInfo;
import dev.shear.datacenter.TaskState;
import java.util.List;
import java.util.Objects;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The Tasks place: every task of the datacenter (backups, restores, cleanups, … from any Shear
/// process), newest first, with status and duration; the selected task's log. Reread every two
/// seconds while shown. UI thread only.
public final class TasksViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 2_000_000_000L;

    private final AppContext ctx;
    private final ObservableList<TaskInfo> tasks = FXCollections.observableArrayList();
    private final ObjectProperty<TaskInfo> selected = new SimpleObjectProperty<>();
    private final ObservableList<String> log = FXCollections.observableArrayList();
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper("");
    private final Refresher<List<TaskInfo>> refresher;

    public TasksViewModel(AppContext ctx) {
        this.ctx = ctx;
        selected.addListener((o, a, t) -> readLog(t));
        refresher = new Refresher<>(ctx.tasks(), ctx.frames(), REFRESH_NANOS, () -> ctx.dc().tasks().list(), this::show,
                e -> problem.set("Cannot read the tasks: " + Errors.describe(e)));
    }

    /// Reads the task list (and the selected task's log) again.
    public void refresh() {
        refresher.now();
    }

    private void show(List<TaskInfo> list) {
        problem.set("");
        TaskInfo sel = selected.get();
        if (!list.equals(tasks)) {
            tasks.setAll(list);
        }
        if (sel != null) {
            TaskInfo now = list.stream().filter(t -> t.id().equals(sel.id())).findFirst().orElse(null);
            if (!Objects.equals(now, sel) || sel.state() == TaskState.RUNNING) {
                selected.set(now);
                readLog(now);
            }
        }
    }

    private void readLog(TaskInfo t) {
        if (t == null) {
            log.clear();
            return;
        }
        ctx.tasks().execute(() -> ctx.dc().tasks().read(t.id()), lines -> {
            if (selected.get() != null && selected.get().id().equals(t.id()) && !lines.equals(log)) {
                log.setAll(lines);
            }
        }, e -> log.setAll(List.of("cannot read the log: " + Errors.describe(e))));
    }

    public ObservableList<TaskInfo> tasks() {
        return tasks;
    }

    public ObjectProperty<TaskInfo> selectedProperty() {
        return selected;
    }

    /// The selected task's log lines.
    public ObservableList<String> log() {
        return log;
    }

    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    @Override
    public void close() {
        refresher.close();
    }
}
