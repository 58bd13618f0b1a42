package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/// `shear demo`: the demo datacenter (three storages, three guests with sample data).
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Create the demo datacenter: storages local (disks), fast (fleecing) and backup,",
                "and guests 100 (web), 101 (db, two disks) and 102 (files) holding sample data."})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--small", description = "MiB-sized disks instead of GiB (quick, for trying things out)")
    boolean small;

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        if (!Demo.isEmpty(dc)) {
            throw new UserError(ExitCodes.REFUSED, "the datacenter at " + dc.root().path()
                    + " is not empty; the demo needs a fresh one (use --root DIR)");
        }
        Demo.create(dc, small ? Demo.Size.SMALL : Demo.Size.FULL, line -> {
            Cli.out(spec).println(line);
            Cli.out(spec).flush();
        });
        return ExitCodes.OK;
    }
}
