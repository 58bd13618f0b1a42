package dev.shear.cli;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.LockUnavailableException;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.run.GuestBusyException;
import dev.shear.util.Version;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/// The `shear` command: vzdump-like backups with copy-before-write and fleecing from a terminal.
@Command(name = "shear",
        mixinStandardHelpOptions = true,
        versionProvider = ShearCommand.VersionProvider.class,
        description = {"Live VM-disk backups with copy-before-write and fleecing.",
                "Run without arguments to open the desktop app."},
        footer = {"", "Exit codes: 0 success, 1 the task failed, 2 wrong usage, 3 refused (no such guest, locked,",
                "busy, damaged configuration), 130 interrupted. Details of every task: shear tasks."},
        subcommands = {StorageCommand.class, GuestCommand.class, DemoCommand.class, BackupCommand.class,
                ListCommand.class, RestoreCommand.class, VerifyCommand.class, PruneCommand.class, CleanupCommand.class,
                JobCommand.class, SchedulerCommand.class,
                TasksCommand.class, RunCommands.Run.class, RunCommands.Status.class, RunCommands.Stop.class,
                RunCommands.Cancel.class, RunCommands.ExportSnapshot.class, RunCommands.Release.class, LoadCommand.class,
                dev.shear.cli.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class ShearCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "the datacenter directory (default: $SHEAR_ROOT, else ~/.local/share/shear)")
    Path root;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /// The `--root` given anywhere on the command line, or null.
    public Path root() {
        return root;
    }

    /// Runs the CLI with `args` and returns the process exit code.
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /// A configured command line (error handling and exit codes as documented).
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ShearCommand());
        cl.setExecutionExceptionHandler(ShearCommand::onException);
        cl.setParameterExceptionHandler(ShearCommand::onBadParameters);
        return cl;
    }

    private static int onBadParameters(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("shear: " + e.getMessage());
        err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return ExitCodes.USAGE;
    }

    private static int onException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code;
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof UserError u) {
            code = u.exitCode();
        } else if (e instanceof IllegalArgumentException) {
            code = ExitCodes.USAGE;
        } else if (e instanceof NotFoundException || e instanceof GuestLockedException || e instanceof GuestBusyException
                || e instanceof ConfigException || e instanceof LockUnavailableException
                || e instanceof IllegalStateException) {
            code = ExitCodes.REFUSED;
        } else if (e instanceof InterruptedException) {
            code = ExitCodes.INTERRUPTED;
            message = "interrupted";
        } else if (e instanceof IOException) {
            code = ExitCodes.TASK_FAILED;
        } else {
            code = ExitCodes.TASK_FAILED;
            message = "internal error: " + e + " (run with SHEAR_DEBUG=1 for details)";
        }
        err.println("shear: error: " + message);
        if (System.getenv("SHEAR_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"shear " + Version.get(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
