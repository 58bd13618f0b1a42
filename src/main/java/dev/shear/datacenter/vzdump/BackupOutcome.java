package dev.shear.datacenter.vzdump;

import dev.shear.datacenter.TaskId;

/// How a guest backup ended.
///
/// @param ok      true when the archive is complete
/// @param archive the archive id (`storage:name`), or null when none was kept
/// @param mode    `full` or `incremental`
/// @param error   what went wrong (one line), or null
/// @param task    the task whose log has the details
/// @param bytes   bytes copied into the archive
/// @param seconds how long it took
public record BackupOutcome(boolean ok, String archive, String mode, String error, TaskId task, long bytes,
                            double seconds) {
}
