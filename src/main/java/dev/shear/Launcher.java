package dev.shear;

import dev.shear.cli.ShearCommand;

/// Entry point of the `shear` command. With arguments it runs the CLI; without, the desktop app
/// (once it exists, the CLI's help). Not a JavaFX `Application`, so a plain `java -cp` start works
/// with JavaFX on the class path.
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        System.exit(ShearCommand.execute(args));
    }
}
