package dev.shear.datacenter.jobs;

import dev.shear.datacenter.TaskId;
import dev.shear.datacenter.vzdump.BackupOutcome;
import java.util.List;

/// How one run of a backup job ended.
///
/// @param job    the job id
/// @param task   the run's task (its log lists every guest's backup and prune)
/// @param guests one result per guest, in the order they ran
/// @param error  null when every guest was backed up (and pruned); else one line naming the guests
///               that failed
public record JobRun(String job, TaskId task, List<Guest> guests, String error) {
    public JobRun {
        guests = List.copyOf(guests);
    }

    /// One guest's part of the run.
    ///
    /// @param vmid    the guest
    /// @param outcome the backup's outcome (failed with the reason when it could not start)
    /// @param pruned  how many old backups retention removed (0 when none or no retention)
    /// @param error   what failed (backup or prune), or null
    public record Guest(int vmid, BackupOutcome outcome, int pruned, String error) {
    }

    public boolean ok() {
        return error == null;
    }
}
