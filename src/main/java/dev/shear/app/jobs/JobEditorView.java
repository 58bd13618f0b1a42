package dev.shear.app.jobs;

import dev.shear.app.backup.BackupDialogView;
import dev.shear.app.common.FormGrid;
import dev.shear.app.common.Ui;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/// The scheduled-job editor: id, enabled, schedule (next three runs shown as it is typed), guests
/// (all or chosen), retention and comment, then the backup dialog's option form, each error right
/// under its field.
public final class JobEditorView {
    private JobEditorView() {
    }

    /// The editor for `vm`.
    public static Node of(JobEditorViewModel vm) {
        FormGrid form = new FormGrid(150, 360, 300);
        form.heading("Job");
        form.field("ID", vm.id(), "job-id", "lower-case letters, digits, - and _");
        TextField id = (TextField) form.grid().lookup("#job-id");
        id.setDisable(!vm.creating());
        id.setPromptText("e.g. nightly");
        CheckBox enabled = new CheckBox("Run on schedule");
        enabled.setId("job-enabled");
        enabled.selectedProperty().bindBidirectional(vm.enabledProperty());
        form.row("Enabled", enabled, "a disabled job runs only with Run now");
        form.field("Schedule", vm.schedule(), "job-schedule", "e.g. daily, 21:00, mon..fri 02:30, sat 03:00, */30");
        ((TextField) form.grid().lookup("#job-schedule")).setPromptText("e.g. mon..fri 02:30");
        Label next = Ui.hint("");
        next.setId("job-next-runs");
        next.textProperty().bind(vm.nextRunsProperty());
        form.note(next);

        ToggleGroup which = new ToggleGroup();
        RadioButton all = new RadioButton("All guests");
        all.setId("job-guests-all");
        RadioButton chosen = new RadioButton("Chosen:");
        chosen.setId("job-guests-chosen");
        all.setToggleGroup(which);
        chosen.setToggleGroup(which);
        (vm.allGuestsProperty().get() ? all : chosen).setSelected(true);
        which.selectedToggleProperty().addListener((o, a, b) -> vm.allGuestsProperty().set(b == all));
        TextField ids = new TextField();
        ids.setId("job-guests");
        ids.setPromptText("100,101");
        ids.textProperty().bindBidirectional(vm.guests().textProperty());
        ids.disableProperty().bind(vm.allGuestsProperty());
        HBox guestRow = new HBox(10, all, chosen, ids);
        form.row("Guests", guestRow, "backed up one after another");
        form.note(checklist(vm));
        Label guestError = Ui.problem(vm.guests().errorProperty());
        guestError.setId("job-guests-error");
        form.note(guestError);
        Label retention = form.field("Retention", vm.retention(), "job-retention", "after each backup, e.g. keep-last=3,keep-daily=7;"
                + " empty = keep all");
        retention.setWrapText(true);
        ((TextField) form.grid().lookup("#job-retention")).setPromptText("keep all");
        TextField comment = new TextField();
        comment.setId("job-comment");
        comment.textProperty().bindBidirectional(vm.commentProperty());
        form.row("Comment", comment, "");

        Label error = Ui.problem(vm.formErrorProperty());
        error.setId("job-form-error");
        VBox top = new VBox(10, form.grid());
        top.setPadding(new Insets(6, 12, 0, 12));
        VBox box = new VBox(4, top, BackupDialogView.of(vm.options()), error);
        box.setPrefWidth(860);
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        // set, not computed: the dialog sizes itself from this before the scroll pane has a skin
        scroll.setPrefSize(900, 640);
        scroll.setId("job-editor");
        return scroll;
    }

    /// One check box per guest, kept in step with the guest-id text both ways; off with "All guests".
    private static FlowPane checklist(JobEditorViewModel vm) {
        FlowPane boxes = new FlowPane(12, 4);
        boxes.setId("job-guest-checklist");
        List<CheckBox> all = new ArrayList<>();
        boolean[] syncing = {false};
        for (int vmid : vm.guestChoices()) {
            CheckBox b = new CheckBox(String.valueOf(vmid));
            b.setId("job-guest-" + vmid);
            b.setSelected(vm.chosenIds().contains(vmid));
            b.disableProperty().bind(vm.allGuestsProperty());
            b.selectedProperty().addListener((o, was, now) -> {
                if (!syncing[0]) {
                    vm.setChosen(vmid, now);
                }
            });
            all.add(b);
        }
        vm.guests().textProperty().addListener((o, was, now) -> {
            syncing[0] = true;
            try {
                Set<Integer> chosen = vm.chosenIds();      // the text parsed once, not per box
                for (int i = 0; i < all.size(); i++) {
                    all.get(i).setSelected(chosen.contains(vm.guestChoices().get(i)));
                }
            } finally {
                syncing[0] = false;
            }
        });
        boxes.getChildren().addAll(all);
        return boxes;
    }
}
