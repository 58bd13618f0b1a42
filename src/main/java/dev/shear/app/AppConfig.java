package dev.shear.app;

import dev.shear.datacenter.DatacenterRoot;
import dev.shear.datacenter.demo.Demo;
import java.nio.file.Path;
import java.util.Locale;

/// How the app starts: which datacenter, how big a demo it creates on the first start, and the
/// theme. From system properties (`shear.root`, `shear.demo.size=small|full`,
/// `shear.theme=light|dark`) or given by tests.
///
/// @param root     the datacenter root
/// @param demoSize the demo created when the datacenter is empty
/// @param dark     start with the dark theme
public record AppConfig(DatacenterRoot root, Demo.Size demoSize, boolean dark) {

    /// From the system properties, else the CLI's defaults (`$SHEAR_ROOT`, the data directory).
    public static AppConfig fromSystem() {
        String r = System.getProperty("shear.root");
        DatacenterRoot root = r == null || r.isBlank() ? DatacenterRoot.resolve(null)
                : new DatacenterRoot(Path.of(r).toAbsolutePath(), "shear.root");
        String size = System.getProperty("shear.demo.size", "full").toLowerCase(Locale.ROOT);
        Demo.Size demo = switch (size) {
            case "small" -> Demo.Size.SMALL;
            case "full" -> Demo.Size.FULL;
            default -> throw new IllegalArgumentException("shear.demo.size must be small or full, not '" + size + "'");
        };
        return new AppConfig(root, demo, "dark".equalsIgnoreCase(System.getProperty("shear.theme")));
    }
}
