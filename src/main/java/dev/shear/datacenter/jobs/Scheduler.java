package dev.shear.datacenter.jobs;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.Listing;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/// Runs the datacenter's enabled backup jobs when they are due, one job after another, by the
/// runner's clock and its time zone.
///
/// A job is due when the first time of its schedule after the later of "armed" and "last run"
/// ([JobRunState#base()]) has come. So a scheduler that was stopped across one or more of a job's
/// times runs the job **once** when it starts again (systemd's `Persistent=true`, Proxmox VE's
/// `repeat-missed`), and a run — scheduled or "run now" — covers every time before it
/// (decision 0009). A job that is running elsewhere (its claim is held) is left to that run.
///
/// Only one scheduler runs per datacenter: [#claim()] takes the scheduler claim, held until closed
/// or the process ends. Not thread-safe: one thread drives it.
public final class Scheduler {
    /// How often [#loop] looks at the job configs again at the latest (they may change meanwhile).
    public static final Duration RECHECK = Duration.ofMinutes(1);

    /// Waits until an instant (the real one sleeps; tests move a clock).
    @FunctionalInterface
    public interface Sleeper {
        void sleepUntil(Instant t) throws InterruptedException;
    }

    private final Jobs jobs;
    private final JobRunner runner;

    public Scheduler(Jobs jobs, JobRunner runner) {
        this.jobs = jobs;
        this.runner = runner;
    }

    /// Takes the datacenter's scheduler claim.
    ///
    /// @throws IllegalStateException naming the holder when another scheduler runs
    public AutoCloseable claim() throws IOException {
        Optional<FileClaim> c = FileClaim.tryClaim(jobs.schedulerClaimFile());
        if (c.isEmpty()) {
            throw new IllegalStateException("a scheduler runs already for this datacenter ("
                    + FileClaim.holder(jobs.schedulerClaimFile()).orElse("it just stopped") + ")");
        }
        return c.get();
    }

    /// Who runs the scheduler of the datacenter of `jobs` ("pid 1234 on host …"), or empty.
    public static Optional<String> holder(Jobs jobs) throws IOException {
        return FileClaim.holder(jobs.schedulerClaimFile());
    }

    /// The ids of the enabled jobs due now, in the order they were due.
    public List<String> due() throws IOException {
        Instant now = runner.clock().instant();
        Listing<Jobs.Status> all = jobs.statuses(runner.clock().getZone());
        return all.items().stream().filter(s -> s.next() != null && !s.next().isAfter(now))
                .sorted(Comparator.comparing(Jobs.Status::next).thenComparing(Jobs.Status::id))
                .map(Jobs.Status::id).toList();
    }

    /// Runs every job due now, one after another; `out` gets a line for each step, and for each
    /// job file that cannot be read.
    public List<JobRun> runDue(Consumer<String> out) throws IOException, InterruptedException {
        for (ConfigException e : jobs.list().broken()) {
            out.accept("skipping an unreadable job: " + e.getMessage());
        }
        List<JobRun> runs = new ArrayList<>();
        for (String id : due()) {
            out.accept("job " + id + ": due, starting");
            try {
                JobRun r = runner.run(id, out);
                runs.add(r);
                out.accept("job " + id + ": " + (r.ok() ? "OK" : "failed: " + r.error()) + " (task " + r.task() + ")");
            } catch (IllegalStateException | IOException e) {
                out.accept("job " + id + ": not run: " + JobRunner.oneLine(e));
            }
        }
        return runs;
    }

    /// When the next enabled job is due, or empty when none is enabled.
    public Optional<Instant> nextDue() throws IOException {
        return jobs.statuses(runner.clock().getZone()).items().stream().map(Jobs.Status::next)
                .filter(java.util.Objects::nonNull).min(Comparator.naturalOrder());
    }

    /// Runs due jobs, sleeps until the next is due (at most [#RECHECK]), and again, until
    /// `sleeper` is interrupted. Hold [#claim()] around it.
    public void loop(Sleeper sleeper, Consumer<String> out) throws IOException, InterruptedException {
        while (true) {
            runDue(out);
            Instant now = runner.clock().instant();
            Instant limit = now.plus(RECHECK);
            Instant wake = nextDue().filter(t -> t.isBefore(limit)).orElse(limit);
            sleeper.sleepUntil(wake);
        }
    }

    /// Where the scheduler claim lives (for messages).
    public Path claimFile() {
        return jobs.schedulerClaimFile();
    }
}
