package dev.shear.app.job;

import dev.shear.app.common.Ui;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.scene.Node;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ListView;
import java.util.List;
import java.util.function.Function;

/// The live view's charts — throughput and fleecing-image size over time, a line per disk, fed by
/// the model's samples, no animation — and its log.
final class LiveCharts {
    private LiveCharts() {
    }

    /// The throughput and fleecing-size charts.
    static List<Node> charts(LiveJobViewModel vm) {
        return List.of(chart("Throughput, MB/s", vm, DiskProgress::throughput, "chart-throughput"),
                chart("Fleecing image, MiB", vm, DiskProgress::fleeceSize, "chart-fleece"));
    }

    /// The log, following its end.
    static Node log(LiveJobViewModel vm) {
        ListView<String> log = new ListView<>(vm.log());
        log.setId("job-log");
        log.getStyleClass().add(dev.shear.app.common.Styles.MONO);
        log.setPrefHeight(150);
        vm.log().addListener((ListChangeListener<String>) c -> log.scrollTo(vm.log().size() - 1));
        return Ui.card(Ui.section("Log"), log);
    }

    private static Node chart(String title, LiveJobViewModel vm, Function<DiskProgress, ObservableList<Sample>> samples,
                              String id) {
        NumberAxis x = new NumberAxis();
        x.setLabel("seconds");
        x.setForceZeroInRange(true);
        NumberAxis y = new NumberAxis();
        y.setForceZeroInRange(true);
        LineChart<Number, Number> chart = new LineChart<>(x, y);
        chart.setId(id);
        chart.setAnimated(false);
        chart.setCreateSymbols(false);
        chart.setLegendVisible(vm.disks().size() > 1);
        chart.setPrefHeight(195);
        chart.setMinHeight(140);
        chart.setPrefWidth(260);
        for (DiskProgress d : vm.disks()) {
            XYChart.Series<Number, Number> s = new XYChart.Series<>();
            s.setName(d.disk());
            for (Sample p : samples.apply(d)) {
                s.getData().add(new XYChart.Data<>(p.seconds(), p.value()));
            }
            samples.apply(d).addListener((ListChangeListener<Sample>) c -> {
                while (c.next()) {
                    if (c.wasRemoved()) {
                        s.getData().remove(0, Math.min(s.getData().size(), c.getRemovedSize()));
                    }
                    for (Sample p : c.getAddedSubList()) {
                        s.getData().add(new XYChart.Data<>(p.seconds(), p.value()));
                    }
                }
            });
            chart.getData().add(s);
        }
        return Ui.card(Ui.section(title), chart);
    }
}
