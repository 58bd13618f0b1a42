package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.vzdump.StaleCleanup;
import dev.shear.util.Sizes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/// `shear cleanup [--dry-run] [--yes]`: removes what crashed operations left (see [StaleCleanup]),
/// after showing it and asking.
@Command(name = "cleanup", mixinStandardHelpOptions = true,
        description = {"Remove what crashed backups and restores left behind.",
                "Fleecing images nobody uses, incomplete backups, unfinished guests and stale",
                "locks. Shows the plan and asks first (without a terminal, pass --yes).",
                "Nothing a live process holds is touched."})
public final class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "only show what would be removed")
    boolean dryRun;

    @Option(names = {"-y", "--yes"}, description = "remove without asking")
    boolean yes;

    /// True when a user can be asked; tests set it (and [#answers]).
    boolean terminal = System.console() != null;
    /// Where the answer to the question comes from.
    BufferedReader answers = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        StaleCleanup cleanup = new StaleCleanup(dc);
        StaleCleanup.Plan plan = cleanup.find();
        PrintWriter out = Cli.out(spec);
        plan.notes().forEach(s -> out.println("note: " + s));
        if (plan.isEmpty()) {
            out.println("nothing to clean up");
            out.flush();
            return ExitCodes.OK;
        }
        plan.items().forEach(i -> out.println((dryRun ? "would remove " : "remove ") + i));
        String summary = plan.items().size() + " item(s), freeing " + Sizes.format(plan.bytes());
        if (dryRun) {
            out.println("dry run: would remove " + summary + "; nothing was changed");
            out.flush();
            return ExitCodes.OK;
        }
        if (!yes && !confirm(out, plan)) {
            return ExitCodes.REFUSED;
        }
        StaleCleanup.Report r = cleanup.execute(plan);
        r.left().forEach(l -> out.println("left: " + l));
        out.println("removed " + r.removed().size() + " item(s), freed " + Sizes.format(r.freed()));
        out.flush();
        r.failures().forEach(f -> Cli.err(spec).println("shear: error: cannot remove " + f + " (log: shear tasks log "
                + r.task() + ")"));
        Cli.err(spec).flush();
        return r.failures().isEmpty() ? ExitCodes.OK : ExitCodes.TASK_FAILED;
    }

    /// Asks on a terminal; refuses without one.
    private boolean confirm(PrintWriter out, StaleCleanup.Plan plan) throws IOException {
        String question = "Remove " + plan.items().size() + " item(s), freeing " + Sizes.format(plan.bytes()) + "?";
        if (!terminal) {
            out.flush();
            throw new UserError(ExitCodes.REFUSED, "not removing anything without confirmation: pass --yes to remove"
                    + " the " + plan.items().size() + " item(s) above");
        }
        out.print(question + " [y/N] ");
        out.flush();
        String answer = answers.readLine();
        boolean ok = answer != null && (answer.strip().toLowerCase(Locale.ROOT).equals("y")
                || answer.strip().toLowerCase(Locale.ROOT).equals("yes"));
        if (!ok) {
            out.println("nothing removed");
            out.flush();
        }
        return ok;
    }
}
