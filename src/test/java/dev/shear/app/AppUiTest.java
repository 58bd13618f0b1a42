package dev.shear.app;

import dev.shear.app.main.MainViewModel;
import dev.shear.datacenter.DatacenterRoot;
import dev.shear.datacenter.demo.Demo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javafx.scene.Node;
import javafx.scene.control.Labeled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/// Base of the app's TestFX tests: the real app on a small demo datacenter under a temporary
/// directory (headless with Monocle by default, on a real display with `-Pxvfb`).
abstract class AppUiTest extends FxRobot {
    ShearApp app;

    @BeforeAll
    static void toolkit() throws TimeoutException {
        FxToolkit.registerPrimaryStage();
    }

    /// Starts the app on `root` and waits until its datacenter is open.
    void launch(Path root) throws Exception {
        AppConfig config = new AppConfig(new DatacenterRoot(root, "test"), Demo.Size.SMALL, false);
        app = (ShearApp) FxToolkit.setupApplication(() -> new ShearApp(config));
        FxToolkit.showStage();
        waitUntil("the datacenter to open", 60, () -> app.model().phaseProperty().get() == MainViewModel.Phase.READY
                && !app.model().guests().isEmpty());
        WaitForAsyncUtils.waitForFxEvents();
    }

    @AfterEach
    void close() throws TimeoutException {
        if (app != null) {
            FxToolkit.cleanupApplication(app);
        }
        FxToolkit.cleanupStages();
    }

    /// The app's context (the datacenter is open).
    AppContext context() {
        return app.model().context();
    }

    /// Waits until `condition` holds, checking on the FX thread; fails after `seconds`.
    static void waitUntil(String what, int seconds, Callable<Boolean> condition) throws TimeoutException {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> WaitForAsyncUtils.asyncFx(condition).get());
        } catch (TimeoutException e) {
            throw new TimeoutException("timed out after " + seconds + " s waiting for " + what + " (picture of the"
                    + " windows: " + picture(what) + ")");
        }
    }

    /// Saves a picture of every window under `target/ui-failures/` and returns its path.
    private static String picture(String what) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "ui-failures"));
            int i = 0;
            for (javafx.stage.Window w : WaitForAsyncUtils.asyncFx(() -> List.copyOf(javafx.stage.Window.getWindows())).get()) {
                javafx.scene.image.WritableImage img = WaitForAsyncUtils.asyncFx(() -> w.getScene().snapshot(null)).get();
                java.nio.file.Path f = dir.resolve(what.replaceAll("[^A-Za-z0-9]+", "-") + "-" + i++ + ".png");
                javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(img, null), "png", f.toFile());
            }
            return dir.toAbsolutePath().toString();
        } catch (Exception e) {
            return "none (" + e + ")";
        }
    }

    /// Clicks a place in the navigation tree and waits until it is selected (clicks once more if
    /// the first click fell between two redraws of the tree on a busy machine).
    void open(String navId, dev.shear.app.main.NavItem expected) throws TimeoutException {
        clickOn(navId);
        try {
            waitUntil(expected + " selected", 5, () -> app.model().selectedProperty().get().equals(expected));
        } catch (TimeoutException e) {
            System.err.println("the click on " + navId + " did not select it; clicking again");
            clickOn(navId);
            waitUntil(expected + " selected", 10, () -> app.model().selectedProperty().get().equals(expected));
        }
    }

    /// Replaces a text field's text by typing (the field must be in view: click it).
    void typeInto(String field, String text) {
        clickOn(field);
        push(javafx.scene.input.KeyCode.CONTROL, javafx.scene.input.KeyCode.A);
        type(javafx.scene.input.KeyCode.BACK_SPACE);
        write(text);
    }

    /// True when a node with this id is showing.
    boolean showing(String id) {
        return lookup(id).tryQuery().map(Node::isVisible).orElse(false);
    }

    /// The text of a labeled node.
    String text(String query) {
        return lookup(query).queryAs(Labeled.class).getText();
    }
}
