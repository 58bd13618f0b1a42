package dev.shear.app.backup;

import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.ValidatedField;
import javafx.beans.binding.Bindings;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

/// The backup dialog's form: target storage, mode, fleecing with its storage picker and PVE's
/// hint, performance (max-workers, max-chunk, min-cluster-size), bandwidth limit, discard-source,
/// on-cbw-error and cbw-timeout, each with its default shown and its error (if any) right under it.
public final class BackupDialogView {
    private final BackupDialogViewModel vm;
    private final GridPane grid = new GridPane();

    private BackupDialogView(BackupDialogViewModel vm) {
        this.vm = vm;
    }

    /// The form for `vm`.
    public static Node of(BackupDialogViewModel vm) {
        return new BackupDialogView(vm).build();
    }

    private Node build() {
        grid.setHgap(14);
        grid.setVgap(4);
        ColumnConstraints keys = new ColumnConstraints(150);
        ColumnConstraints values = new ColumnConstraints(300, 360, Double.MAX_VALUE);
        values.setHgrow(Priority.ALWAYS);
        ColumnConstraints hints = new ColumnConstraints(220, 300, Double.MAX_VALUE);
        grid.getColumnConstraints().addAll(keys, values, hints);

        heading("Backup");
        ComboBox<StorageChoice> target = storages(vm.targets(), "backup-storage");
        target.valueProperty().bindBidirectional(vm.targetProperty());
        row("Storage", target, "where the backup archive goes");
        ComboBox<BackupDialogViewModel.Mode> mode = choice(BackupDialogViewModel.Mode.values(), "backup-mode",
                m -> m == BackupDialogViewModel.Mode.FULL ? "full" : "incremental (changed clusters only)");
        mode.valueProperty().bindBidirectional(vm.modeProperty());
        row("Mode", mode, "default full");

        heading("Fleecing");
        CheckBox fleecing = new CheckBox("Use a fleecing image");
        fleecing.setId("backup-fleecing");
        fleecing.selectedProperty().bindBidirectional(vm.fleecingProperty());
        row("Fleecing", fleecing, "backup write cache that keeps guest writes off the backup target");
        ComboBox<StorageChoice> fstore = storages(vm.fleecingStorages(), "backup-fleecing-storage");
        fstore.valueProperty().bindBidirectional(vm.fleecingStorageProperty());
        fstore.disableProperty().bind(vm.fleecingProperty().not());
        row("Fleecing storage", fstore, "image storages only");
        Label hint = Ui.hint(BackupDialogViewModel.FLEECING_HINT);
        grid.add(hint, 1, grid.getRowCount(), 2, 1);
        Label warn = Ui.styled(new Label(), Styles.FIELD_ERROR);
        warn.setWrapText(true);
        warn.textProperty().bind(vm.fleecingWarning());
        show(warn);
        grid.add(warn, 1, grid.getRowCount(), 2, 1);

        heading("Performance");
        field("max-workers", vm.maxWorkers(), "backup-max-workers", "default 16 parallel copy tasks");
        field("max-chunk", vm.maxChunk(), "backup-max-chunk", "default 0 = tasks up to 1 MiB");
        field("min-cluster-size", vm.minClusterSize(), "backup-min-cluster-size",
                BackupDialogViewModel.defaultClusterHint());
        field("Bandwidth limit", vm.bwlimit(), "backup-bwlimit", "per second, e.g. 100M; default 0 = unlimited");

        heading("Copy-before-write");
        ComboBox<BackupDialogViewModel.Setting> discard = choice(BackupDialogViewModel.Setting.values(),
                "backup-discard-source", null);
        discard.setConverter(converter(s -> switch (s) {
            case DEFAULT -> "default";
            case ON -> "on";
            case OFF -> "off";
        }));
        discard.valueProperty().bindBidirectional(vm.discardSourceProperty());
        row("discard-source", discard, "").textProperty().bind(vm.discardDefault());
        ComboBox<BackupDialogViewModel.CbwPolicy> cbw = choice(BackupDialogViewModel.CbwPolicy.values(),
                "backup-on-cbw-error", null);
        cbw.setConverter(converter(p -> switch (p) {
            case DEFAULT -> "default";
            case BREAK_GUEST_WRITE -> "break-guest-write";
            case BREAK_SNAPSHOT -> "break-snapshot";
        }));
        cbw.valueProperty().bindBidirectional(vm.onCbwErrorProperty());
        row("on-cbw-error", cbw, "").textProperty().bind(vm.cbwErrorDefault());
        field("cbw-timeout", vm.cbwTimeout(), "backup-cbw-timeout", "").textProperty().bind(Bindings.concat(
                "seconds; empty = ", vm.cbwTimeoutDefault()));

        Label form = Ui.styled(new Label(), Styles.FIELD_ERROR);
        form.setId("backup-form-error");
        form.setWrapText(true);
        form.textProperty().bind(vm.formErrorProperty());
        show(form);
        VBox box = new VBox(10, grid, form);
        box.setPadding(new Insets(6, 12, 0, 12));
        box.setPrefWidth(860);
        box.getStyleClass().add("backup-dialog");
        return box;
    }

    private void heading(String text) {
        Label l = Ui.section(text);
        GridPane.setMargin(l, new Insets(grid.getRowCount() == 0 ? 0 : 12, 0, 2, 0));
        grid.add(l, 0, grid.getRowCount(), 3, 1);
    }

    /// Adds a row; returns its hint label.
    private Label row(String key, Node value, String hint) {
        int r = grid.getRowCount();
        Label k = Ui.styled(new Label(key), Styles.KEY);
        GridPane.setHalignment(k, HPos.LEFT);
        grid.add(k, 0, r);
        grid.add(value, 1, r);
        Label h = Ui.hint(hint);
        grid.add(h, 2, r);
        return h;
    }

    /// Adds a text field with its inline error; returns its hint label.
    private Label field(String key, ValidatedField f, String id, String hint) {
        TextField t = new TextField();
        t.setId(id);
        t.setPromptText("default");
        t.textProperty().bindBidirectional(f.textProperty());
        Label h = row(key, t, hint);
        Label error = Ui.styled(new Label(), Styles.FIELD_ERROR);
        error.setId(id + "-error");
        error.setWrapText(true);
        error.textProperty().bind(f.errorProperty());
        show(error);
        f.errorProperty().addListener((o, a, e) -> t.pseudoClassStateChanged(
                javafx.css.PseudoClass.getPseudoClass("invalid"), !e.isEmpty()));
        grid.add(error, 1, grid.getRowCount(), 2, 1);
        return h;
    }

    /// Shows a label only while it has text (no empty gap otherwise).
    private static void show(Label l) {
        l.managedProperty().bind(l.textProperty().isNotEmpty());
        l.visibleProperty().bind(l.textProperty().isNotEmpty());
    }

    private static ComboBox<StorageChoice> storages(javafx.collections.ObservableList<StorageChoice> items, String id) {
        ComboBox<StorageChoice> c = new ComboBox<>(items);
        c.setId(id);
        c.setMaxWidth(Double.MAX_VALUE);
        c.setConverter(converter(s -> s == null ? "" : s.label()));
        return c;
    }

    private static <T> ComboBox<T> choice(T[] values, String id, java.util.function.Function<T, String> text) {
        ComboBox<T> c = new ComboBox<>();
        c.getItems().setAll(values);
        c.setId(id);
        c.setMaxWidth(Double.MAX_VALUE);
        if (text != null) {
            c.setConverter(converter(text));
        }
        return c;
    }

    private static <T> StringConverter<T> converter(java.util.function.Function<T, String> f) {
        return new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? "" : f.apply(t);
            }

            @Override
            public T fromString(String s) {
                throw new UnsupportedOperationException("not editable");
            }
        };
    }
}
