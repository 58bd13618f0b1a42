package dev.shear.app.archive;

import dev.shear.app.common.Ui;
import dev.shear.app.common.ModelView;
import dev.shear.app.common.Styles;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.ArchiveSummary;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/// Every backup archive with size, mode, time and verified state; Verify, Restore and Prune for
/// the selected one.
public final class BackupsView extends ModelView {

    public BackupsView(BackupsViewModel vm) {
        super(vm::close);
        TableView<ArchiveSummary> t = ArchiveTable.of(vm.archives(), true);
        t.setId("backups-table");
        t.getSelectionModel().selectedItemProperty().addListener((o, a, r) -> vm.selectedProperty().set(r));
        VBox.setVgrow(t, Priority.ALWAYS);
        BooleanBinding noComplete = Bindings.createBooleanBinding(() -> vm.selectedProperty().get() == null
                || vm.selectedProperty().get().state() != Archive.State.COMPLETE
                || vm.selectedProperty().get().problem() != null, vm.selectedProperty());
        Button verify = Ui.button("Verify", "backup-verify", vm::verify);
        verify.disableProperty().bind(noComplete.or(vm.busyProperty()));
        Button restore = Ui.button("Restore…", "backup-restore", vm::restore);
        restore.disableProperty().bind(noComplete.or(vm.busyProperty()));
        Button prune = Ui.button("Prune…", "backup-prune", vm::prune);
        prune.disableProperty().bind(vm.selectedProperty().isNull().or(vm.busyProperty()));
        Button cancel = Ui.button("Cancel", "backup-action-cancel", vm::cancel);
        cancel.visibleProperty().bind(vm.busyProperty());
        Label activity = Ui.styled(new Label(), Styles.HINT);
        activity.textProperty().bind(vm.activityProperty());
        HBox actions = new HBox(10, verify, restore, prune, activity, Ui.grow(), cancel);
        actions.setAlignment(Pos.CENTER_LEFT);
        setRoot(Ui.page(Ui.title("Backups"), Ui.subtitle("Archives on every backup storage, newest first. Select one to"
                + " verify, restore or prune."), Ui.problem(vm.problemProperty()), actions, t));
    }
}
