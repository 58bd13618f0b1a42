package dev.shear.app.guest;

import atlantafx.base.controls.ToggleSwitch;
import dev.shear.datacenter.archive.ArchiveSummary;
import dev.shear.app.archive.ArchiveTable;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.ModelView;
import dev.shear.app.common.Tables;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/// A guest: its state, Start / Stop, the guest load, Backup now, and its disks (bus, size,
/// allocated bytes, format, storage, a small allocation map, the NBD URI while running).
public final class GuestView extends ModelView {
    private final GuestViewModel vm;
    private final Label title = Ui.title("");
    private final Label description = Ui.subtitle("");
    private final HBox badges = new HBox(8);
    private final Label stateText = Ui.hint("");

    public GuestView(GuestViewModel vm) {
        super(vm::close);
        this.vm = vm;
        HBox head = new HBox(12, title, badges);
        head.setAlignment(Pos.CENTER_LEFT);
        VBox page = Ui.page(head, description, actions(), load(), Ui.section("Disks"), disks(), Ui.section("Backups"),
                backups());
        ScrollPane scroll = new ScrollPane(page);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("edge-to-edge");
        setRoot(scroll);
        vm.detailsProperty().addListener((o, a, d) -> show(d));
        show(vm.detailsProperty().get());
    }

    private Node actions() {
        Button start = new Button("Start");
        start.setId("guest-start");
        start.getStyleClass().add(atlantafx.base.theme.Styles.SUCCESS);
        start.setOnAction(e -> vm.start());
        Button stop = new Button("Stop");
        stop.setId("guest-stop");
        stop.setOnAction(e -> vm.stop());
        Button backup = new Button("Backup now…");
        backup.setId("guest-backup");
        backup.getStyleClass().add(atlantafx.base.theme.Styles.ACCENT);
        backup.setOnAction(e -> vm.backupNow());
        var state = vm.detailsProperty();
        start.disableProperty().bind(Bindings.createBooleanBinding(() -> state.get() == null
                || !(state.get().state() instanceof GuestState.Stopped), state).or(vm.busyProperty()));
        stop.disableProperty().bind(Bindings.createBooleanBinding(() -> state.get() == null
                || !(state.get().state() instanceof GuestState.RunningHere), state).or(vm.busyProperty()));
        backup.disableProperty().bind(Bindings.createBooleanBinding(() -> state.get() == null
                || state.get().state() instanceof GuestState.Busy, state).or(vm.busyProperty()));
        HBox box = new HBox(10, start, stop, backup, stateText);
        box.setAlignment(Pos.CENTER_LEFT);
        return box;
    }

    private Node load() {
        ToggleSwitch toggle = new ToggleSwitch("Guest load");
        toggle.setId("guest-load");
        toggle.selectedProperty().bindBidirectional(vm.loadOnProperty());
        Slider slider = new Slider(GuestLoad.MIN_IOPS, GuestLoad.MAX_IOPS, vm.iopsProperty().get());
        slider.setId("guest-load-iops");
        slider.setPrefWidth(260);
        slider.setBlockIncrement(100);
        slider.setMajorTickUnit(100);
        slider.setMinorTickCount(0);
        slider.setSnapToTicks(true);
        slider.valueProperty().addListener((o, a, v) -> vm.iopsProperty().set((int) Math.round(v.doubleValue())));
        Label iops = new Label();
        iops.textProperty().bind(Bindings.format("%d IOPS", vm.iopsProperty()));
        iops.setMinWidth(80);
        Label stats = Ui.styled(new Label(), Styles.HINT);
        stats.textProperty().bind(vm.loadStatsProperty());
        HBox row = new HBox(14, toggle, slider, iops, stats);
        row.setAlignment(Pos.CENTER_LEFT);
        var state = vm.detailsProperty();
        toggle.disableProperty().bind(Bindings.createBooleanBinding(() -> state.get() == null
                || !state.get().state().isRunning(), state).or(vm.busyProperty()));
        Label help = Ui.hint("Random 4 KiB writes (80 %) and reads on every disk, like a busy guest, so a backup can be "
                + "watched under write pressure. Needs the guest running.");
        return Ui.card(Ui.section("Guest load"), row, help);
    }

    private Node disks() {
        TableView<DiskRow> t = new TableView<>(vm.disks());
        t.setId("guest-disks");
        t.getColumns().add(Tables.text("Disk", 70, DiskRow::key));
        t.getColumns().add(Tables.text("Bus", 60, DiskRow::bus));
        t.getColumns().add(Tables.text("Size", 90, r -> Formats.bytes(r.size())));
        t.getColumns().add(Tables.text("Allocated", 90, r -> Formats.bytes(r.allocated())));
        t.getColumns().add(Tables.text("Format", 70, DiskRow::format));
        t.getColumns().add(Tables.text("Storage", 80, DiskRow::storage));
        TableColumn<DiskRow, double[]> map = new TableColumn<>("Allocation");
        map.setPrefWidth(190);
        map.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().allocation()));
        map.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(double[] a, boolean empty) {
                super.updateItem(a, empty);
                setGraphic(empty || a == null ? null : new AllocationMap(a));
            }
        });
        t.getColumns().add(map);
        TableColumn<DiskRow, String> uri = Tables.text("NBD URI", 260, r -> r.uri().isEmpty() ? "–" : r.uri());
        uri.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setText(empty ? null : s);
                getStyleClass().remove(Styles.MONO);
                if (!empty) {
                    getStyleClass().add(Styles.MONO);
                }
            }
        });
        t.getColumns().add(uri);
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        Tables.fit(t, 1);
        return t;
    }

    private Node backups() {
        TableView<ArchiveSummary> t = ArchiveTable.of(vm.backups(), false);
        t.setId("guest-backups");
        Tables.fit(t, 2);
        return t;
    }

    private void show(GuestDetails d) {
        badges.getChildren().clear();
        if (d == null) {
            title.setText("Guest " + vm.vmid());
            description.setText("");
            stateText.setText("");
            return;
        }
        title.setText(d.config().vmid() + " — " + d.config().name());
        description.setText(d.config().description());
        badges.getChildren().add(Ui.badge(d.state().word()));
        if (d.config().lock() != null) {
            badges.getChildren().add(Ui.badge("locked: " + d.config().lock().kind()));
        }
        stateText.setText(d.state().describe());
    }
}
