package dev.shear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine;

/// Runs `shear --root <root> args…` in-process and captures what it prints.
final class CliRun {
    record Result(int exitCode, String out, String err) {
    }

    private CliRun() {
    }

    /// `setUp` may adjust the parsed command line first.
    static Result shear(Path root, Consumer<CommandLine> setUp, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = ShearCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        setUp.accept(cl);
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return new Result(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    /// Like [#shear], asserting exit code 0.
    static Result ok(Path root, String... args) {
        Result r = shear(root, cl -> { }, args);
        assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.err()).isZero();
        return r;
    }
}
