package dev.shear.app.jobs;

import dev.shear.app.common.ModelView;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Tables;
import dev.shear.app.common.Ui;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/// The scheduled backup jobs: a table (id, enabled, schedule, guests, storage, next run, last
/// result) with New, Edit, Remove and Run now, and whether a scheduler runs them on time.
public final class JobsView extends ModelView {

    public JobsView(JobsViewModel vm) {
        super(vm::close);
        TableView<JobsViewModel.Row> t = new TableView<>(vm.rows());
        t.setId("jobs-table");
        t.getColumns().add(Tables.text("ID", 130, JobsViewModel.Row::id));
        t.getColumns().add(Tables.text("Enabled", 80, JobsViewModel.Row::enabled));
        t.getColumns().add(Tables.text("Schedule", 150, JobsViewModel.Row::schedule));
        t.getColumns().add(Tables.text("Guests", 120, JobsViewModel.Row::guests));
        t.getColumns().add(Tables.text("Storage", 100, JobsViewModel.Row::storage));
        t.getColumns().add(Tables.text("Next run", 185, JobsViewModel.Row::next));
        t.getColumns().add(Tables.text("Last result", 220, JobsViewModel.Row::last));
        t.getSelectionModel().selectedItemProperty().addListener((o, a, r) -> vm.selectedProperty().set(r));
        t.setOnMouseClicked(e -> {
            if (e.getClickCount() == 2) {
                vm.editSelected();
            }
        });
        VBox.setVgrow(t, Priority.ALWAYS);
        Button add = Ui.button("New…", "jobs-new", vm::create);
        Button edit = Ui.button("Edit…", "jobs-edit", vm::editSelected);
        edit.disableProperty().bind(vm.selectedProperty().isNull());
        Button remove = Ui.button("Remove…", "jobs-remove", vm::removeSelected);
        remove.disableProperty().bind(vm.selectedProperty().isNull());
        Button run = Ui.button("Run now", "jobs-run", vm::runSelected);
        run.disableProperty().bind(vm.selectedProperty().isNull().or(vm.activityProperty().isNotEmpty()));
        Label activity = Ui.styled(new Label(), Styles.HINT);
        activity.textProperty().bind(vm.activityProperty());
        HBox actions = new HBox(10, add, edit, remove, run, activity);
        actions.setAlignment(Pos.CENTER_LEFT);
        Label scheduler = Ui.styled(new Label(), Styles.HINT);
        scheduler.setId("jobs-scheduler");
        scheduler.setWrapText(true);
        scheduler.textProperty().bind(vm.schedulerHintProperty());
        setRoot(Ui.page(Ui.title("Backup jobs"), Ui.subtitle("Scheduled backups of chosen or all guests, with"
                + " retention. Select one to edit, remove or run it now."), scheduler, Ui.problem(vm.problemProperty()),
                actions, t));
    }
}
