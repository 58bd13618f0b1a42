package dev.shear.app.job;

import dev.shear.app.clustermap.ClusterMapControl;
import dev.shear.app.clustermap.ClusterMapLegend;
import dev.shear.app.clustermap.ClusterState;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.View;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import java.util.Locale;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/// A backup followed live: per disk a progress bar, bytes done of total, MB/s, ETA and the
/// fleecing image's size; the live cluster map with its legend, zoom and tooltip; throughput and
/// fleecing-size charts; the log; Cancel.
public final class LiveJobView implements View {
    private final LiveJobViewModel vm;
    private final ScrollPane root;
    private final ClusterMapControl map = new ClusterMapControl();
    private final ClusterMapLegend legend = new ClusterMapLegend(map);
    private final Label summary = Ui.hint("");
    /// The counts under the map change every frame; words are redrawn four times a second.
    private static final long COUNTS_NANOS = 250_000_000L;
    private long lastCounts;

    public LiveJobView(LiveJobViewModel vm) {
        this.vm = vm;
        HBox top = new HBox(14, disks());
        HBox.setHgrow(top.getChildren().getFirst(), Priority.ALWAYS);
        for (Node chart : LiveCharts.charts(vm)) {
            top.getChildren().add(chart);
        }
        VBox page = Ui.page(header(), subtitle(), top, mapCard(), LiveCharts.log(vm));
        root = new ScrollPane(page);
        root.setFitToWidth(true);
        root.getStyleClass().add("edge-to-edge");
        map.setId("cluster-map");
        map.viewportProperty().addListener((o, a, v) -> vm.setViewport(v));
        vm.setViewport(map.viewportProperty().get());
        vm.mapFrameProperty().addListener((o, a, f) -> {
            map.setFrame(f);
            long now = System.nanoTime();
            if (f != null && (now - lastCounts > COUNTS_NANOS || vm.finishedProperty().get())) {
                lastCounts = now;
                legend.update(f);
                summary.setText(String.format(Locale.ROOT, "%,d of %,d clusters of %s copied (%s)", f.copied(),
                        f.clusters(), Formats.bytes(f.data().unit()), Formats.percent((double) f.copied()
                                / Math.max(1, f.clusters()))));
            }
        });
        if (vm.mapFrameProperty().get() != null) {
            map.setFrame(vm.mapFrameProperty().get());
            legend.update(vm.mapFrameProperty().get());
        }
    }

    private Node header() {
        var live = vm.live();
        Label title = Ui.title("Backup of guest " + live.vmid() + " (" + live.guestName() + ")");
        Label state = Ui.badge("");
        state.setId("job-state");
        state.textProperty().bind(vm.stateProperty());
        vm.stateProperty().addListener((o, a, s) -> {
            state.getStyleClass().removeAll(a);
            state.getStyleClass().add(s);
        });
        Label elapsed = new Label();
        elapsed.textProperty().bind(Bindings.concat("elapsed ", vm.elapsedProperty()));
        Button cancel = new Button("Cancel");
        cancel.setId("job-cancel");
        cancel.getStyleClass().add(atlantafx.base.theme.Styles.DANGER);
        cancel.disableProperty().bind(vm.finishedProperty());
        cancel.setOnAction(e -> vm.cancel());
        HBox h = new HBox(12, title, state, Ui.grow(), elapsed, cancel);
        h.setAlignment(Pos.CENTER_LEFT);
        return h;
    }

    private Node subtitle() {
        BackupRequest r = vm.live().request();
        String how = (r.incremental() ? "incremental" : "full") + " backup to '" + r.storage() + "'"
                + (r.fleecing().enabled() ? ", fleecing on '" + r.fleecing().storage() + "'" : ", no fleecing")
                + (r.engineOptions().discardSource() ? ", discard-source" : "")
                + ", " + r.perf().maxWorkers() + " workers";
        Label l = Ui.subtitle(how);
        l.setId("job-subtitle");
        vm.outcomeProperty().addListener((o, a, out) -> l.setText(how + " — " + result(out)));
        return l;
    }

    private static String result(BackupOutcome o) {
        return o.ok() ? "finished: " + o.archive() + " (" + Formats.bytes(o.bytes()) + " copied)"
                : "failed: " + o.error();
    }

    private Node disks() {
        GridPane g = new GridPane();
        g.setId("job-disks");
        g.setHgap(14);
        g.setVgap(2);
        ColumnConstraints name = new ColumnConstraints();
        name.setMinWidth(Region.USE_PREF_SIZE);
        ColumnConstraints bar = new ColumnConstraints();
        bar.setHgrow(Priority.ALWAYS);
        ColumnConstraints pct = new ColumnConstraints(52);
        g.getColumnConstraints().addAll(name, bar, pct);
        int row = 0;
        for (DiskProgress d : vm.disks()) {
            ProgressBar p = new ProgressBar();
            p.setId("progress-" + d.disk());
            p.setMaxWidth(Double.MAX_VALUE);
            p.progressProperty().bind(d.fractionProperty());
            Label percent = new Label();
            percent.setId("percent-" + d.disk());
            percent.textProperty().bind(Bindings.createStringBinding(() -> Formats.percent(d.fractionProperty().get()),
                    d.fractionProperty()));
            Label detail = Ui.styled(new Label(), "disk-detail");
            detail.setWrapText(true);
            detail.setId("detail-" + d.disk());
            detail.textProperty().bind(Bindings.createStringBinding(() -> String.join("  ·  ", java.util.stream.Stream.of(
                    d.bytesProperty().get(), d.rateProperty().get(), d.etaProperty().get(), d.stateProperty().get(),
                    d.fleeceProperty().get()).filter(x -> !x.isEmpty()).toList()), d.bytesProperty(), d.rateProperty(),
                    d.etaProperty(), d.stateProperty(), d.fleeceProperty()));
            g.addRow(row++, Ui.styled(new Label(d.disk()), Styles.KEY), p, percent);
            g.add(detail, 1, row++, 2, 1);
        }
        return Ui.card(Ui.section("Disks"), g);
    }

    private Node mapCard() {
        ComboBox<String> disk = new ComboBox<>();
        disk.getItems().setAll(vm.diskNames());
        disk.valueProperty().bindBidirectional(vm.mapDiskProperty());
        disk.setId("map-disk");
        Button whole = new Button("Whole disk");
        whole.disableProperty().bind(map.zoomProperty().isNull());
        whole.setOnAction(e -> map.resetZoom());
        summary.setId("map-summary");
        HBox head = new HBox(10, Ui.section("Cluster map"), disk, summary, Ui.grow(),
                Ui.hint("drag to zoom, double-click for all"), whole);
        head.setAlignment(Pos.CENTER_LEFT);
        map.setPrefHeight(190);
        map.setMinHeight(120);
        Label hover = Ui.styled(new Label(" "), Styles.HINT, "map-hover");
        hover.textProperty().bind(Bindings.createStringBinding(() -> map.hoverTextProperty().get().isEmpty()
                ? "Hover over a cell for its offset and state." : map.hoverTextProperty().get(), map.hoverTextProperty()));
        Node body = vm.live().isLocal() ? map : Ui.hint("This guest runs in another Shear process: its cluster map is"
                + " drawn there. Progress and log come through its control socket.");
        return Ui.card(head, body, hover, legend);
    }

    /// For tests: the map control.
    public ClusterMapControl map() {
        return map;
    }

    /// For tests and screenshots: the count shown for one state.
    long legendCount(ClusterState s) {
        return vm.mapFrameProperty().get() == null ? 0 : vm.mapFrameProperty().get().total(s);
    }

    @Override
    public Node root() {
        return root;
    }

    @Override
    public void dispose() {
        vm.setViewport(null);
    }
}
