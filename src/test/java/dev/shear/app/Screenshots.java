package dev.shear.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.embed.swing.SwingFXUtils;
import javafx.stage.Window;
import javax.imageio.ImageIO;
import org.testfx.util.WaitForAsyncUtils;

/// Saves pictures of the app for the README (only when `-Dshear.screenshots=true`, under Xvfb).
final class Screenshots {
    private Screenshots() {
    }

    /// Saves the topmost showing window as `target/screenshots/<name>`.
    static void save(String name) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        List<Window> windows = WaitForAsyncUtils.asyncFx(() -> Window.getWindows().stream().filter(Window::isShowing)
                .toList()).get();
        Window top = windows.getLast();
        var img = WaitForAsyncUtils.asyncFx(() -> top.getScene().snapshot(null)).get();
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        ImageIO.write(SwingFXUtils.fromFXImage(img, null), "png", dir.resolve(name).toFile());
    }
}
