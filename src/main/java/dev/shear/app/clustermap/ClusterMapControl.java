package dev.shear.app.clustermap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.css.CssMetaData;
import javafx.css.SimpleStyleableObjectProperty;
import javafx.css.StyleConverter;
import javafx.css.Styleable;
import javafx.css.StyleableObjectProperty;
import javafx.css.StyleableProperty;
import javafx.scene.control.Control;
import javafx.scene.control.Skin;
import javafx.scene.paint.Color;

/// The live cluster map: one cell per cluster of a disk being backed up (or per group of clusters
/// on big disks, drawn as a mix), coloured by [ClusterState]. It shows [MapFrame]s rendered
/// elsewhere (see [ClusterMapFeed]) and publishes the [Viewport] they should be rendered for:
/// its pixel size, the zoomed byte range and the colours, which come from CSS
/// (`-shear-map-to-copy`, …, `-shear-map-background`).
///
/// Use on the FX thread.
public final class ClusterMapControl extends Control {
    private static final ClusterState[] STATES = ClusterState.values();
    private static final List<CssMetaData<? extends Styleable, ?>> CSS;
    private static final List<ColorMeta> COLOR_META = new ArrayList<>();
    private static final Color[] DEFAULTS = {Color.web("#d8dee4"), Color.web("#f4a261"), Color.web("#0969da"),
        Color.web("#2da44e"), Color.web("#9be9a8"), Color.web("#8250df"), Color.WHITE};

    static {
        List<CssMetaData<? extends Styleable, ?>> l = new ArrayList<>(Control.getClassCssMetaData());
        for (int i = 0; i <= STATES.length; i++) {
            COLOR_META.add(new ColorMeta(i));
        }
        l.addAll(COLOR_META);
        CSS = Collections.unmodifiableList(l);
    }

    private final ObjectProperty<MapFrame> frame = new SimpleObjectProperty<>(this, "frame");
    private final ObjectProperty<ByteRange> zoom = new SimpleObjectProperty<>(this, "zoom");
    private final ReadOnlyObjectWrapper<Viewport> viewport = new ReadOnlyObjectWrapper<>(this, "viewport");
    private final ReadOnlyStringWrapper hoverText = new ReadOnlyStringWrapper(this, "hoverText", "");
    private final List<StyleableObjectProperty<Color>> colors = new ArrayList<>();
    private int width;
    private int height;

    public ClusterMapControl() {
        getStyleClass().add("cluster-map");
        for (int i = 0; i <= STATES.length; i++) {
            StyleableObjectProperty<Color> p = new SimpleStyleableObjectProperty<>(COLOR_META.get(i),
                    this, i < STATES.length ? STATES[i].cssProperty() : "-shear-map-background", DEFAULTS[i]);
            p.addListener(o -> publishViewport());
            colors.add(p);
        }
        zoom.addListener(o -> publishViewport());
    }

    private static final class ColorMeta extends CssMetaData<ClusterMapControl, Color> {
        private final int index;

        ColorMeta(int index) {
            super(index < STATES.length ? STATES[index].cssProperty() : "-shear-map-background",
                    StyleConverter.getColorConverter(), DEFAULTS[index]);
            this.index = index;
        }

        @Override
        public boolean isSettable(ClusterMapControl c) {
            return !c.colors.get(index).isBound();
        }

        @Override
        public StyleableProperty<Color> getStyleableProperty(ClusterMapControl c) {
            return c.colors.get(index);
        }
    }

    public static List<CssMetaData<? extends Styleable, ?>> getClassCssMetaData() {
        return CSS;
    }

    @Override
    public List<CssMetaData<? extends Styleable, ?>> getControlCssMetaData() {
        return CSS;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new ClusterMapSkin(this);
    }

    /// The picture shown.
    public ObjectProperty<MapFrame> frameProperty() {
        return frame;
    }

    public MapFrame getFrame() {
        return frame.get();
    }

    public void setFrame(MapFrame f) {
        frame.set(f);
    }

    /// The part of the disk shown, or null for all of it.
    public ObjectProperty<ByteRange> zoomProperty() {
        return zoom;
    }

    /// What frames should be rendered for.
    public ReadOnlyObjectProperty<Viewport> viewportProperty() {
        return viewport.getReadOnlyProperty();
    }

    /// What the cell under the mouse holds ("" when the mouse is elsewhere), on one line.
    public ReadOnlyStringProperty hoverTextProperty() {
        return hoverText.getReadOnlyProperty();
    }

    ReadOnlyStringWrapper hoverTextWrapper() {
        return hoverText;
    }

    /// The colour of a state, as styled.
    public Color color(ClusterState s) {
        return colors.get(s.ordinal()).get();
    }

    /// The colour behind and between cells.
    public Color background() {
        return colors.get(STATES.length).get();
    }

    /// Shows bytes `[from, to)` only.
    public void zoomTo(long from, long to) {
        zoom.set(new ByteRange(from, to));
    }

    /// Shows the whole disk again.
    public void resetZoom() {
        zoom.set(null);
    }

    /// Called by the skin when the drawing area changes size.
    void setImageSize(int w, int h) {
        if (w != width || h != height) {
            width = w;
            height = h;
            publishViewport();
        }
    }

    private void publishViewport() {
        int[] palette = new int[colors.size()];
        for (int i = 0; i < palette.length; i++) {
            palette[i] = argb(colors.get(i).get());
        }
        viewport.set(new Viewport(width, height, zoom.get(), palette));
    }

    /// Opaque ARGB of `c` (its alpha ignored).
    static int argb(Color c) {
        return 0xff000000 | (int) Math.round(c.getRed() * 255) << 16 | (int) Math.round(c.getGreen() * 255) << 8
                | (int) Math.round(c.getBlue() * 255);
    }
}
