package dev.shear.app.archive;

import dev.shear.app.common.Choices;
import dev.shear.app.common.FormGrid;
import dev.shear.app.common.Ui;
import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;

/// The forms of the restore and prune dialogs.
public final class ArchiveDialogViews {
    private static final List<String> KEEP = List.of("keep-last", "keep-hourly", "keep-daily", "keep-weekly",
            "keep-monthly", "keep-yearly");
    private static final List<String> KEEP_HINTS = List.of("the newest N backups", "the newest backup of each of N hours",
            "… of each of N days", "… of each of N weeks", "… of each of N months", "… of each of N years");

    private ArchiveDialogViews() {
    }

    public static Node restore(RestoreDialogViewModel vm) {
        FormGrid form = new FormGrid(120, 300, 260);
        form.field("New guest id", vm.vmid(), "restore-vmid", "a guest id not in use");
        ComboBox<String> storage = Choices.of(vm.storages(), "restore-storage",
                s -> s.isEmpty() ? "each disk's original storage" : s);
        storage.valueProperty().bindBidirectional(vm.storageProperty());
        form.row("Disks on", storage, "an image storage");
        return box(form.grid(), Ui.hint("Every disk is read through its incremental chain and checked against the"
                + " SHA-256 the backup recorded; a failed restore removes the half-restored guest."));
    }

    public static Node prune(PruneDialogViewModel vm) {
        FormGrid form = new FormGrid(120, 120, 300);
        for (int i = 0; i < KEEP.size(); i++) {
            form.field(KEEP.get(i), vm.counts().get(i), "prune-" + KEEP.get(i), KEEP_HINTS.get(i));
        }
        Label error = Ui.problem(vm.formErrorProperty());
        error.setId("prune-form-error");
        return box(form.grid(), error, Ui.hint("Kept incremental backups keep their whole chain; backups still being"
                + " written are never touched. The next step shows what goes before anything is removed."));
    }

    private static Node box(Node... children) {
        VBox box = new VBox(10, children);
        box.setPadding(new Insets(6, 12, 0, 12));
        box.setPrefWidth(640);
        return box;
    }
}
