package dev.shear.datacenter.archive;

import dev.shear.datacenter.TaskId;

/// How a verification ended.
///
/// @param ok      true when every disk of the archive was read through its chain and matched its
///                recorded SHA-256
/// @param archive the archive (`storage:name`)
/// @param error   what failed (one line, naming the disk and file), or null
/// @param task    the task whose log has the details
/// @param seconds how long it took
public record VerifyOutcome(boolean ok, String archive, String error, TaskId task, double seconds) {
}
