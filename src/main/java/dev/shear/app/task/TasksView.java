package dev.shear.app.task;

import dev.shear.app.common.Formats;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.ModelView;
import dev.shear.app.common.Tables;
import dev.shear.datacenter.TaskInfo;
import dev.shear.datacenter.TaskState;
import java.time.Duration;
import java.time.Instant;
import javafx.geometry.Orientation;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/// Every task with its type, guest, start, duration and status; the selected task's log below.
public final class TasksView extends ModelView {

    public TasksView(TasksViewModel vm) {
        super(vm::close);
        TableView<TaskInfo> table = new TableView<>(vm.tasks());
        table.setId("tasks-table");
        table.getColumns().add(Tables.text("Started", 160, t -> Formats.time(t.id().start())));
        table.getColumns().add(Tables.text("Type", 110, t -> t.id().type()));
        table.getColumns().add(Tables.text("Guest", 70, t -> t.id().hasGuest() ? Integer.toString(t.id().vmid()) : ""));
        table.getColumns().add(Tables.text("Duration", 90, t -> t.end() != null
                ? Formats.duration(Duration.between(t.id().start(), t.end()))
                : t.state() == TaskState.RUNNING ? Formats.duration(Duration.between(t.id().start(), Instant.now())) : "–"));
        TableColumn<TaskInfo, String> status = Tables.text("Status", 300, TaskInfo::status);
        status.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(empty ? null : s);
                getStyleClass().removeAll("task-ok", "task-error", "task-running");
                if (!empty && s != null) {
                    getStyleClass().add(s.equals("OK") ? "task-ok" : s.startsWith("error") ? "task-error" : "task-running");
                }
            }
        });
        table.getColumns().add(status);
        table.getColumns().add(Tables.text("Process", 140, t -> "pid " + t.id().pid() + " on " + t.id().host()));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getSelectionModel().selectedItemProperty().addListener((o, a, t) -> {
            if (t != null) {
                vm.selectedProperty().set(t);
            }
        });
        ListView<String> log = new ListView<>(vm.log());
        log.setId("task-log");
        log.getStyleClass().add(Styles.MONO);
        Label empty = Ui.hint("Select a task to see its log.");
        log.setPlaceholder(empty);
        SplitPane split = new SplitPane(table, log);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.55);
        VBox.setVgrow(split, Priority.ALWAYS);
        Label problem = Ui.problem(vm.problemProperty());
        setRoot(Ui.page(Ui.title("Tasks"), Ui.subtitle("Backups, restores, cleanups and more, from this app and every"
                + " other Shear process, newest first."), problem, split));
    }
}
