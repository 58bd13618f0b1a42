package dev.shear.app.backup;

import dev.shear.app.common.Choices;
import dev.shear.app.common.FormGrid;
import dev.shear.app.common.Ui;
import java.util.List;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;

/// The backup dialog's form: target storage, mode, fleecing with its storage picker and PVE's
/// hint, performance (max-workers, max-chunk, min-cluster-size), bandwidth limit, discard-source,
/// on-cbw-error and cbw-timeout, each with its default shown and its error (if any) right under it.
public final class BackupDialogView {
    private final BackupDialogViewModel vm;
    private final FormGrid form = new FormGrid(150, 360, 300);

    private BackupDialogView(BackupDialogViewModel vm) {
        this.vm = vm;
    }

    /// The form for `vm`.
    public static Node of(BackupDialogViewModel vm) {
        return new BackupDialogView(vm).build();
    }

    private Node build() {
        form.heading("Backup");
        ComboBox<StorageChoice> target = Choices.of(vm.targets(), "backup-storage", StorageChoice::label);
        target.valueProperty().bindBidirectional(vm.targetProperty());
        form.row("Storage", target, "where the backup archive goes");
        ComboBox<BackupDialogViewModel.Mode> mode = Choices.of(List.of(BackupDialogViewModel.Mode.values()), "backup-mode",
                m -> m == BackupDialogViewModel.Mode.FULL ? "full" : "incremental (changed clusters only)");
        mode.valueProperty().bindBidirectional(vm.modeProperty());
        form.row("Mode", mode, "default full");

        form.heading("Fleecing");
        CheckBox fleecing = new CheckBox("Use a fleecing image");
        fleecing.setId("backup-fleecing");
        fleecing.selectedProperty().bindBidirectional(vm.fleecingProperty());
        form.row("Fleecing", fleecing, "backup write cache that keeps guest writes off the backup target");
        ComboBox<StorageChoice> fstore = Choices.of(vm.fleecingStorages(), "backup-fleecing-storage", StorageChoice::label);
        fstore.valueProperty().bindBidirectional(vm.fleecingStorageProperty());
        fstore.disableProperty().bind(vm.fleecingProperty().not());
        form.row("Fleecing storage", fstore, "image storages only");
        form.note(Ui.hint(BackupDialogViewModel.FLEECING_HINT));
        form.note(Ui.problem(vm.fleecingWarning()));

        form.heading("Performance");
        form.field("max-workers", vm.maxWorkers(), "backup-max-workers", "default 16 parallel copy tasks");
        form.field("max-chunk", vm.maxChunk(), "backup-max-chunk", "default 0 = tasks up to 1 MiB (256 KiB with fleecing)");
        form.field("min-cluster-size", vm.minClusterSize(), "backup-min-cluster-size",
                BackupDialogViewModel.defaultClusterHint());
        form.field("Bandwidth limit", vm.bwlimit(), "backup-bwlimit", "per second, e.g. 100M; default 0 = unlimited");

        form.heading("Copy-before-write");
        ComboBox<BackupDialogViewModel.Setting> discard = Choices.of(List.of(BackupDialogViewModel.Setting.values()),
                "backup-discard-source", s -> switch (s) {
                    case DEFAULT -> "default";
                    case ON -> "on";
                    case OFF -> "off";
                });
        discard.valueProperty().bindBidirectional(vm.discardSourceProperty());
        form.row("discard-source", discard, "").textProperty().bind(vm.discardDefault());
        ComboBox<BackupDialogViewModel.CbwPolicy> cbw = Choices.of(List.of(BackupDialogViewModel.CbwPolicy.values()),
                "backup-on-cbw-error", p -> switch (p) {
                    case DEFAULT -> "default";
                    case BREAK_GUEST_WRITE -> "break-guest-write";
                    case BREAK_SNAPSHOT -> "break-snapshot";
                });
        cbw.valueProperty().bindBidirectional(vm.onCbwErrorProperty());
        form.row("on-cbw-error", cbw, "").textProperty().bind(vm.cbwErrorDefault());
        form.field("cbw-timeout", vm.cbwTimeout(), "backup-cbw-timeout", "").textProperty().bind(Bindings.concat(
                "seconds; empty = ", vm.cbwTimeoutDefault()));
        form.field("cbw-write-behind", vm.writeBehind(), "backup-cbw-write-behind", "").textProperty()
                .bind(vm.writeBehindDefault());

        Label error = Ui.problem(vm.formErrorProperty());
        error.setId("backup-form-error");
        VBox box = new VBox(10, form.grid(), error);
        box.setPadding(new Insets(6, 12, 0, 12));
        box.setPrefWidth(860);
        box.getStyleClass().add("backup-dialog");
        return box;
    }
}
