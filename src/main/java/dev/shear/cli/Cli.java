package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.DatacenterRoot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/// What every datacenter command needs: the datacenter (from `--root`), output streams, and
/// whether to print JSON.
final class Cli {
    private Cli() {
    }

    /// Opens the datacenter named by `--root` (or the default).
    static Datacenter datacenter(CommandSpec spec) throws IOException {
        CommandLine top = spec.commandLine();
        while (top.getParent() != null) {
            top = top.getParent();
        }
        Path root = top.getCommand() instanceof ShearCommand s ? s.root() : null;
        return Datacenter.open(DatacenterRoot.resolve(root));
    }

    static PrintWriter out(CommandSpec spec) {
        return spec.commandLine().getOut();
    }

    static PrintWriter err(CommandSpec spec) {
        return spec.commandLine().getErr();
    }
}
