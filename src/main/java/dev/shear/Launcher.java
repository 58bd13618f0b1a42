package dev.shear;

import dev.shear.app.ShearApp;
import dev.shear.app.bench.ClusterMapBench;
import dev.shear.cli.ShearCommand;

/// Entry point of the `shear` command. With arguments it runs the CLI; without, the desktop app;
/// `shear bench-ui` runs the cluster-map frame-time benchmark. Not a JavaFX `Application`, so a
/// plain `java -cp` start works with JavaFX on the class path.
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // one line per record: time, level, source, message
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        if (args.length == 0) {
            ShearApp.launchApp(args);
            return;
        }
        if (args[0].equals("bench-ui")) {
            System.exit(ClusterMapBench.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(ShearCommand.execute(args));
    }
}
