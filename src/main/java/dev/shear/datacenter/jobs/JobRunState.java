package dev.shear.datacenter.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/// What Shear remembers about a backup job's runs (`jobs/state/<id>.json`): when its schedule was
/// armed, and its latest run. The scheduler runs a job at the schedule's first time after both
/// `since` and `lastRun`, so a run (scheduled or "run now") counts for the times before it, and
/// times before the job was created or re-enabled never count as missed.
///
/// @param since   when the schedule was armed: the job was added, enabled again, or its schedule changed
/// @param lastRun when the latest run started, or null if it never ran
/// @param lastEnd when the latest run ended, or null (never ran, running, or its process died)
/// @param ok      whether the latest run succeeded, or null while it runs or when it never ended
/// @param error   the latest run's error (one line), or null
/// @param task    the latest run's task id (its log), or null
public record JobRunState(@JsonProperty(required = true) Instant since, Instant lastRun, Instant lastEnd, Boolean ok,
                          String error, String task) {
    public JobRunState {
        if (since == null) {
            throw new IllegalArgumentException("'since' is required");
        }
    }

    /// A job armed at `since` that never ran.
    public static JobRunState armed(Instant since) {
        return new JobRunState(since, null, null, null, null, null);
    }

    /// The time the scheduler counts from: the later of `since` and `lastRun`.
    public Instant base() {
        return lastRun != null && lastRun.isAfter(since) ? lastRun : since;
    }

    /// The same state, armed again at `t` (the latest run stays on record).
    public JobRunState rearmed(Instant t) {
        return new JobRunState(t, lastRun, lastEnd, ok, error, task);
    }

    /// A run that started at `start` as task `task`.
    JobRunState started(Instant start, String taskId) {
        return new JobRunState(since, start, null, null, null, taskId);
    }

    /// The run ended at `end`, with `errorOrNull` (null: success).
    JobRunState ended(Instant end, String errorOrNull) {
        return new JobRunState(since, lastRun, end, errorOrNull == null, errorOrNull, task);
    }

    /// "never", "OK", "error: …", or `unfinished` when the latest run has no result.
    public String result(String unfinished) {
        if (lastRun == null) {
            return "never";
        }
        if (ok == null) {
            return unfinished;
        }
        return ok ? "OK" : "error: " + error;
    }
}
