package dev.shear.app.common;

import javafx.scene.Node;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.StackPane;
import javafx.scene.shape.SVGPath;

/// The app's icons: the application icon from `assets/icons` (on the class path under
/// `/dev/shear/app/icons/`), and small line icons for the navigation tree drawn as SVG paths
/// (coloured by CSS: `.nav-icon`).
public final class Icons {
    /// The sizes of `assets/icons/shear-N.png`.
    public static final int[] APP_SIZES = {16, 24, 32, 48, 64, 128, 256, 512};

    /// What a navigation icon shows.
    public enum Kind {
        DATACENTER("M2 2h12v4H2z M2 8h12v4H2z M4 3.5h1v1H4z M4 9.5h1v1H4z M2 13h12v1H2z"),
        STORAGE("M3 3.5C3 2.1 13 2.1 13 3.5v9C13 13.9 3 13.9 3 12.5z M3 3.5C3 4.9 13 4.9 13 3.5 M3 8c0 1.4 10 1.4 10 0"),
        GUEST("M1.5 2.5h13v8.5h-13z M6 13.5h4 M8 11v2.5"),
        BACKUP("M2 2.5h12v3H2z M3 5.5v8h10v-8 M6.5 8h3"),
        TASKS("M2 3h2v2H2z M6 4h8 M2 7.5h2v2H2z M6 8.5h8 M2 12h2v2H2z M6 13h8"),
        LIVE("M1 8h3l2-5 4 10 2-5h3");

        private final String path;

        Kind(String path) {
            this.path = path;
        }
    }

    private Icons() {
    }

    /// The application icon at `size` pixels (one of [#APP_SIZES]).
    public static Image app(int size) {
        return new Image(Icons.class.getResource("/dev/shear/app/icons/shear-" + size + ".png").toExternalForm());
    }

    /// The application icon as a node of `size` pixels.
    public static Node appNode(int size) {
        ImageView v = new ImageView(app(size));
        v.setFitWidth(size);
        v.setFitHeight(size);
        return v;
    }

    /// A 16-pixel line icon.
    public static Node nav(Kind kind) {
        SVGPath p = new SVGPath();
        p.setContent(kind.path);
        p.getStyleClass().add("nav-icon");
        StackPane box = new StackPane(p);
        box.setMinSize(16, 16);
        box.setPrefSize(16, 16);
        box.setMaxSize(16, 16);
        return box;
    }
}
