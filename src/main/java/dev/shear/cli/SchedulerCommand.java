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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/// `shear scheduler`: runs the datacenter's backup jobs on time, in the foreground, until Ctrl-C
/// (one scheduler per datacenter). Jobs whose time passed while no scheduler ran run once at start.
///
/// Ctrl-C (or SIGTERM, as `systemctl stop` sends) stops the scheduler and waits for it: a backup
/// running then is cancelled and undone (its fleecing images freed), the job's other guests are
/// not started, and its run is recorded as "interrupted"; the process then ends as a stopped one
/// does (status 130 after Ctrl-C, 143 after SIGTERM). No thread interrupt: it would close the files
/// the scheduler is writing.
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
        Clock clock = Clock.systemDefaultZone();
        Jobs jobs = new Jobs(dc);
        JobRunner runner = new JobRunner(jobs, JobCommand.guestBackup(dc), clock);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().name("shear-scheduler-stop").unstarted(() -> {
            runner.stop();
            stop.countDown();
            try {
                done.await(BackupCommand.CANCEL_WAIT_SECONDS + 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return schedule(dc, clock, jobs, runner, stop);
        } catch (InterruptedException e) {
            Cli.out(spec).println(JobCommand.time(clock.instant()) + "  scheduler stopped");
            Cli.out(spec).flush();
            return ExitCodes.INTERRUPTED;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                System.getLogger(SchedulerCommand.class.getName()).log(System.Logger.Level.DEBUG, "shutting down");
            }
        }
    }

    private Integer schedule(Datacenter dc, Clock clock, Jobs jobs, JobRunner runner, CountDownLatch stop)
            throws Exception {
        Scheduler scheduler = new Scheduler(jobs, runner);
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
                if (stop.await(Math.max(0, d.plusMillis(1).toMillis()), TimeUnit.MILLISECONDS)) {
                    throw new InterruptedException("stopped");
                }
            }, print);
            return ExitCodes.OK;
        }
    }
}
