package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.jobs.JobRun;
import dev.shear.datacenter.jobs.JobRunner;
import dev.shear.datacenter.jobs.Jobs;
import dev.shear.datacenter.jobs.Scheduler;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/// `shear scheduler`: runs the datacenter's backup jobs on time, in the foreground, until Ctrl-C
/// (one scheduler per datacenter). Jobs whose time passed while no scheduler ran run once at start.
@Command(name = "scheduler", mixinStandardHelpOptions = true,
        description = {"Run the backup jobs on time, in the foreground, until Ctrl-C (one scheduler per datacenter).",
                "Times missed while no scheduler ran are run once at start."})
public final class SchedulerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--once", description = "run the jobs due now (and missed ones), then exit (for cron or timers)")
    boolean once;

    @Override
    public Integer call() throws Exception {
        Datacenter dc = Cli.datacenter(spec);
        Jobs jobs = new Jobs(dc);
        Clock clock = Clock.systemDefaultZone();
        Scheduler scheduler = new Scheduler(jobs, new JobRunner(jobs, JobCommand.guestBackup(dc), clock));
        PrintWriter out = Cli.out(spec);
        Consumer<String> print = line -> {
            out.println(JobCommand.time(clock.instant()) + "  " + line);
            out.flush();
        };
        try (AutoCloseable claim = scheduler.claim()) {
            if (once) {
                List<JobRun> runs = scheduler.runDue(print);
                print.accept(runs.isEmpty() ? "no job was due" : runs.size() + " job(s) run");
                return runs.stream().allMatch(JobRun::ok) ? ExitCodes.OK : ExitCodes.TASK_FAILED;
            }
            print.accept("scheduler started for " + dc.root() + "; next job due "
                    + scheduler.nextDue().map(JobCommand::time).orElse("never (no enabled job)") + "; Ctrl-C stops");
            scheduler.loop(wake -> {
                Duration d = Duration.between(clock.instant(), wake);
                if (!d.isNegative()) {
                    Thread.sleep(d.plusMillis(1));
                }
            }, print);
            return ExitCodes.OK;
        }
    }
}
