package dev.shear.datacenter.jobs;

import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.archive.Prune;
import dev.shear.datacenter.vzdump.BackupOutcome;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/// Runs a backup job once: its guests one after another through a [GuestBackup], each successful
/// backup followed by the job's retention ([Prune]) for that guest, all recorded in one
/// `backupjob` task and in the job's [JobRunState].
///
/// A job never runs twice at once, in any process: a run holds the job's claim ([FileClaim]),
/// which the kernel drops if the process dies. One guest's failure does not stop the others; the
/// run fails when any guest failed. Thread-safe.
public final class JobRunner {
    private final Jobs jobs;
    private final GuestBackup backup;
    private final Clock clock;
    /// Set by [#stop].
    private volatile boolean stopping;

    public JobRunner(Jobs jobs, GuestBackup backup, Clock clock) {
        this.jobs = jobs;
        this.backup = backup;
        this.clock = clock;
    }

    public Clock clock() {
        return clock;
    }

    /// From now on a running job starts no further guest and ends as "interrupted" (the caller
    /// cancels the backup running now); [#run] then throws [InterruptedException].
    public void stop() {
        stopping = true;
    }

    /// Runs job `id` now (whether or not it is enabled or due); `out` gets a line as each guest
    /// starts and ends.
    ///
    /// @throws IllegalStateException when the job is running already (here or in another process)
    /// @throws dev.shear.datacenter.NotFoundException when there is no such job
    public JobRun run(String id, Consumer<String> out) throws IOException, InterruptedException {
        BackupJobConfig.checkId(id);
        Optional<FileClaim> claim = FileClaim.tryClaim(jobs.claimFile(id));
        if (claim.isEmpty()) {
            throw new IllegalStateException("backup job '" + id + "' is running already ("
                    + FileClaim.holder(jobs.claimFile(id)).orElse("it just ended") + ")");
        }
        try (FileClaim held = claim.get()) {
            BackupJobConfig job = jobs.get(id);
            JobRunState state = jobs.state(id);
            try (TaskLog log = jobs.datacenter().tasks().start("backupjob")) {
                jobs.saveState(id, state.started(clock.instant(), log.id().toString()));
                log.log("backup job '" + id + "': guests " + job.guests() + " to storage '" + job.storage() + "'"
                        + (job.prune() == null ? "" : ", then prune " + job.prune()));
                List<JobRun.Guest> results = new ArrayList<>();
                try {
                    for (int vmid : guests(job)) {
                        if (stopping) {
                            log.log("stopped before guest " + vmid);
                            throw new InterruptedException("the scheduler is stopping");
                        }
                        results.add(runGuest(job, vmid, log, out));
                    }
                    if (stopping) {
                        throw new InterruptedException("the scheduler is stopping");
                    }
                } catch (InterruptedException e) {
                    end(id, jobs.state(id), log, "interrupted");
                    throw e;
                }
                List<String> failed = results.stream().filter(g -> g.error() != null)
                        .map(g -> "guest " + g.vmid() + ": " + g.error()).toList();
                String error = results.isEmpty() ? "no guests to back up"
                        : failed.isEmpty() ? null : String.join("; ", failed);
                end(id, jobs.state(id), log, error);
                return new JobRun(id, log.id(), results, error);
            }
        }
    }

    private List<Integer> guests(BackupJobConfig job) throws IOException {
        if (!job.guests().all()) {
            return job.guests().vmids();
        }
        return jobs.datacenter().guests().list().items().stream().map(GuestConfig::vmid).toList();
    }

    private JobRun.Guest runGuest(BackupJobConfig job, int vmid, TaskLog log, Consumer<String> out)
            throws IOException, InterruptedException {
        out.accept("job " + job.id() + ": backing up guest " + vmid);
        log.log("guest " + vmid + ": backup started");
        BackupOutcome o;
        try {
            o = backup.backUp(job.request(vmid));
        } catch (IOException | RuntimeException e) {
            o = new BackupOutcome(false, null, job.incremental() ? "incremental" : "full", oneLine(e), null, 0, 0);
        }
        if (!o.ok()) {
            log.log("guest " + vmid + ": backup failed: " + o.error() + (o.task() == null ? "" : " (task " + o.task() + ")"));
            out.accept("job " + job.id() + ": guest " + vmid + " failed: " + o.error());
            return new JobRun.Guest(vmid, o, 0, "backup failed: " + o.error());
        }
        log.log("guest " + vmid + ": backup " + o.archive() + " complete (task " + o.task() + ")");
        int pruned = 0;
        String error = null;
        if (job.prune() != null) {
            try {
                Prune.Result r = new Prune(jobs.datacenter()).run(vmid, job.storage(), job.prune(), false);
                pruned = r.removed().size();
                log.log("guest " + vmid + ": pruned " + pruned + " old backup(s) with " + job.prune());
                if (!r.failures().isEmpty()) {
                    error = "prune: " + String.join("; ", r.failures());
                }
            } catch (IOException | RuntimeException e) {
                error = "prune: " + oneLine(e);
            }
            if (error != null) {
                log.log("guest " + vmid + ": " + error);
            }
        }
        out.accept("job " + job.id() + ": guest " + vmid + " backed up: " + o.archive()
                + (job.prune() == null ? "" : ", " + pruned + " old backup(s) pruned")
                + (error == null ? "" : " (" + error + ")"));
        return new JobRun.Guest(vmid, o, pruned, error);
    }

    private void end(String id, JobRunState state, TaskLog log, String error) throws IOException {
        jobs.saveState(id, state.ended(clock.instant(), error));
        if (error == null) {
            log.ok();
        } else {
            log.fail(error);
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ');
    }
}
