package dev.shear.app.clustermap;

import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.SkinBase;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.Pane;
import javafx.scene.shape.ClosePath;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.shape.Rectangle;
import javafx.util.Duration;

/// Draws a [ClusterMapControl]: the frame's pixels copied into one `WritableImage` (the only work
/// done on the FX thread per frame), a hover outline with a tooltip naming the cell's offset and
/// state, and drag-to-zoom (double-click shows the whole disk again).
final class ClusterMapSkin extends SkinBase<ClusterMapControl> {
    private final Pane area = new Pane();
    private final ImageView view = new ImageView();
    private final Rectangle hover = new Rectangle();
    private final Path selection = new Path();
    private final Tooltip tip = new Tooltip();
    private WritableImage image;
    private long anchor = -1;

    ClusterMapSkin(ClusterMapControl control) {
        super(control);
        hover.getStyleClass().add("cluster-map-hover");
        hover.setMouseTransparent(true);
        hover.setVisible(false);
        selection.getStyleClass().add("cluster-map-selection");
        selection.setMouseTransparent(true);
        area.getChildren().addAll(view, hover, selection);
        area.setMinSize(0, 0);
        getChildren().add(area);
        tip.setShowDelay(Duration.millis(150));
        tip.setHideDelay(Duration.millis(100));
        Tooltip.install(area, tip);
        control.frameProperty().addListener((o, a, f) -> draw(f));
        area.addEventHandler(MouseEvent.MOUSE_MOVED, e -> hover(e.getX(), e.getY()));
        area.addEventHandler(MouseEvent.MOUSE_EXITED, e -> {
            hover.setVisible(false);
            hoverText().set("");
        });
        area.addEventHandler(MouseEvent.MOUSE_PRESSED, this::pressed);
        area.addEventHandler(MouseEvent.MOUSE_DRAGGED, this::dragged);
        area.addEventHandler(MouseEvent.MOUSE_RELEASED, this::released);
        draw(control.getFrame());
    }

    private ReadOnlyStringWrapper hoverText() {
        return getSkinnable().hoverTextWrapper();
    }

    @Override
    protected void layoutChildren(double x, double y, double w, double h) {
        area.resizeRelocate(x, y, w, h);
        getSkinnable().setImageSize((int) Math.floor(w), (int) Math.floor(h));
    }

    @Override
    protected double computePrefWidth(double height, double top, double right, double bottom, double left) {
        return 640 + left + right;
    }

    @Override
    protected double computePrefHeight(double width, double top, double right, double bottom, double left) {
        return 240 + top + bottom;
    }

    @Override
    protected double computeMinHeight(double width, double top, double right, double bottom, double left) {
        return 60 + top + bottom;
    }

    private void draw(MapFrame f) {
        if (f == null || f.width() == 0 || f.height() == 0) {
            view.setImage(null);
            return;
        }
        if (image == null || (int) image.getWidth() != f.width() || (int) image.getHeight() != f.height()) {
            image = new WritableImage(f.width(), f.height());
        }
        image.getPixelWriter().setPixels(0, 0, f.width(), f.height(), PixelFormat.getIntArgbPreInstance(), f.pixels(),
                0, f.width());
        view.setImage(image);
    }

    private void hover(double x, double y) {
        MapFrame f = getSkinnable().getFrame();
        long cell = f == null ? -1 : f.layout().cellAt(x, y);
        if (cell < 0) {
            hover.setVisible(false);
            tip.setText("");
            hoverText().set("");
            return;
        }
        CellLayout l = f.layout();
        hover.setX(l.x(cell) + 0.5);
        hover.setY(l.y(cell) + 0.5);
        hover.setWidth(Math.max(1, l.cell() - l.gap() - 1));
        hover.setHeight(Math.max(1, l.cell() - l.gap() - 1));
        hover.setVisible(true);
        String text = CellDescription.of(f.data(), l.firstCluster(cell), l.endCluster(cell));
        tip.setText(text);
        hoverText().set(text.replace('\n', ' '));
    }

    private void pressed(MouseEvent e) {
        MapFrame f = getSkinnable().getFrame();
        if (e.getButton() != MouseButton.PRIMARY || f == null) {
            return;
        }
        if (e.getClickCount() == 2) {
            getSkinnable().resetZoom();
            anchor = -1;
            return;
        }
        anchor = f.layout().cellAt(e.getX(), e.getY());
    }

    private void dragged(MouseEvent e) {
        MapFrame f = getSkinnable().getFrame();
        if (anchor < 0 || f == null) {
            return;
        }
        long cell = clampedCell(f.layout(), e.getX(), e.getY());
        outline(f.layout(), Math.min(anchor, cell), Math.max(anchor, cell));
    }

    private void released(MouseEvent e) {
        MapFrame f = getSkinnable().getFrame();
        selection.getElements().clear();
        if (anchor < 0 || f == null) {
            return;
        }
        long cell = clampedCell(f.layout(), e.getX(), e.getY());
        long a = Math.min(anchor, cell);
        long b = Math.max(anchor, cell);
        anchor = -1;
        if (b > a) {
            long unit = f.data().unit();
            getSkinnable().zoomTo(f.layout().firstCluster(a) * unit,
                    Math.min(f.data().length(), f.layout().endCluster(b) * unit));
        }
    }

    private static long clampedCell(CellLayout l, double x, double y) {
        double cx = Math.max(0, Math.min(x, l.cols() * (double) l.cell() - 1));
        double cy = Math.max(0, Math.min(y, l.rows() * (double) l.cell() - 1));
        long c = l.cellAt(cx, cy);
        return c < 0 ? l.cells() - 1 : c;
    }

    /// Outlines cells `a..b` (row-major): up to three rectangles.
    private void outline(CellLayout l, long a, long b) {
        selection.getElements().clear();
        int c = l.cell();
        long rowA = a / l.cols();
        long rowB = b / l.cols();
        if (rowA == rowB) {
            rect(l.x(a), l.y(a), l.x(b) + c, l.y(a) + c);
            return;
        }
        rect(l.x(a), l.y(a), l.cols() * c, l.y(a) + c);
        if (rowB > rowA + 1) {
            rect(0, l.y(a) + c, l.cols() * c, l.y(b));
        }
        rect(0, l.y(b), l.x(b) + c, l.y(b) + c);
    }

    private void rect(double x0, double y0, double x1, double y1) {
        selection.getElements().addAll(new MoveTo(x0 + 0.5, y0 + 0.5), new LineTo(x1 - 0.5, y0 + 0.5),
                new LineTo(x1 - 0.5, y1 - 0.5), new LineTo(x0 + 0.5, y1 - 0.5), new ClosePath());
    }
}
