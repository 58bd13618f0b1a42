package dev.shear;

import dev.shear.cli.ShearCommand;

/// Entry point of the `shear` command. With arguments it runs the CLI; without, the desktop app
/// (once it exists, the CLI's help). Not a JavaFX `Application`, so a plain `java -cp` start works
/// with JavaFX on the class path.
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            // one line per record: time, level, source, message
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        }
        System.exit(ShearCommand.execute(args));
    }
}
