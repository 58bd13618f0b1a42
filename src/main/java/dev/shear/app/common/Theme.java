package dev.shear.app.common;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import java.util.Objects;
import javafx.application.Application;
import javafx.scene.Scene;

/// The app's one theme: AtlantaFX Primer (light or dark) as the user-agent stylesheet plus the app's
/// own `shear.css`, whose colours follow the theme's looked-up colours (and `.theme-dark` where the
/// app needs its own dark values). FX thread only.
public final class Theme {
    /// The app stylesheet, beside this package's parent on the class path.
    public static final String STYLESHEET = Objects.requireNonNull(Theme.class.getResource("/dev/shear/app/shear.css"),
            "shear.css missing from the class path").toExternalForm();
    private static final String DARK = "theme-dark";

    private Theme() {
    }

    /// Styles `scene` light or dark.
    public static void apply(Scene scene, boolean dark) {
        Application.setUserAgentStylesheet(dark ? new PrimerDark().getUserAgentStylesheet()
                : new PrimerLight().getUserAgentStylesheet());
        if (!scene.getStylesheets().contains(STYLESHEET)) {
            scene.getStylesheets().add(STYLESHEET);
        }
        scene.getRoot().getStyleClass().remove(DARK);
        if (dark) {
            scene.getRoot().getStyleClass().add(DARK);
        }
    }

    /// True when `scene` is dark.
    public static boolean isDark(Scene scene) {
        return scene.getRoot().getStyleClass().contains(DARK);
    }
}
