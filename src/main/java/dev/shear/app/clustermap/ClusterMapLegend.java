package dev.shear.app.clustermap;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.layout.Background;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.CornerRadii;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;

/// The cluster map's legend: a swatch in each state's colour (as styled on the map), its words and
/// how many clusters of the disk are in that state now. Update it with each new frame.
public final class ClusterMapLegend extends FlowPane {
    private final ClusterMapControl map;
    private final Map<ClusterState, Label> counts = new EnumMap<>(ClusterState.class);
    private final Map<ClusterState, Region> swatches = new EnumMap<>(ClusterState.class);

    public ClusterMapLegend(ClusterMapControl map) {
        this.map = map;
        getStyleClass().add("cluster-map-legend");
        setHgap(18);
        setVgap(4);
        for (ClusterState s : ClusterState.values()) {
            Region swatch = new Region();
            swatch.getStyleClass().add("legend-swatch");
            swatch.setMinSize(12, 12);
            swatch.setPrefSize(12, 12);
            swatches.put(s, swatch);
            Label text = new Label(s.label());
            Label n = new Label("0");
            n.getStyleClass().add("legend-count");
            n.setId("legend-" + s.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            counts.put(s, n);
            HBox item = new HBox(6, swatch, text, n);
            item.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
            getChildren().add(item);
        }
        map.viewportProperty().addListener(o -> recolour());
        recolour();
    }

    private void recolour() {
        for (var e : swatches.entrySet()) {
            e.getValue().setBackground(new Background(new BackgroundFill(map.color(e.getKey()), new CornerRadii(2),
                    Insets.EMPTY)));
        }
    }

    /// Shows the counts of `f`.
    public void update(MapFrame f) {
        for (ClusterState s : ClusterState.values()) {
            counts.get(s).setText(String.format(Locale.ROOT, "%,d", f.total(s)));
        }
    }
}
