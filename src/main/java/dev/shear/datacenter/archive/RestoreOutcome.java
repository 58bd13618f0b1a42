package dev.shear.datacenter.archive;

import dev.shear.datacenter.TaskId;

/// How a restore ended.
///
/// @param ok      true when the guest was created with every disk restored and checked
/// @param archive the archive restored (`storage:name`)
/// @param vmid    the guest restored to
/// @param error   what went wrong (one line), or null
/// @param task    the task whose log has the details
/// @param written bytes written to the new disks (data runs only)
/// @param seconds how long it took
public record RestoreOutcome(boolean ok, String archive, int vmid, String error, TaskId task, long written,
                             double seconds) {
}
