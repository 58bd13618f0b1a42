package dev.shear.cli;

import dev.shear.util.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/// The `shear` command: vzdump-like backups with copy-before-write and fleecing from a terminal.
@Command(name = "shear",
        mixinStandardHelpOptions = true,
        versionProvider = ShearCommand.VersionProvider.class,
        description = {"Live VM-disk backups with copy-before-write and fleecing.",
                "Run without arguments to open the desktop app."},
        subcommands = {LoadCommand.class, dev.shear.cli.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class ShearCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /// Runs the CLI with `args` and returns the process exit code.
    public static int execute(String... args) {
        return new CommandLine(new ShearCommand()).execute(args);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"shear " + Version.get(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
