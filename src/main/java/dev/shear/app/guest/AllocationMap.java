package dev.shear.app.guest;

import dev.shear.app.common.Styles;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Region;

/// A small picture of where a disk holds data: one slim bar per part of the disk, as opaque as
/// that part is allocated (colour from CSS: `.allocation-map .bucket`).
public final class AllocationMap extends HBox {
    public AllocationMap(double[] shares) {
        getStyleClass().add(Styles.ALLOCATION);
        setSpacing(1);
        for (double s : shares) {
            Region r = new Region();
            r.getStyleClass().add("bucket");
            r.setMinSize(2, 14);
            r.setPrefSize(3, 14);
            r.setOpacity(s <= 0 ? 0.08 : 0.2 + 0.8 * Math.sqrt(Math.min(1, s)));
            getChildren().add(r);
        }
    }
}
