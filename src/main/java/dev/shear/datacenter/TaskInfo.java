package dev.shear.datacenter;

import java.time.Instant;

/// What the task list shows about one task.
///
/// @param id    the task
/// @param state how it stands
/// @param end   when it finished, or null while running or when unknown
/// @param error the error message of a failed task, else null
public record TaskInfo(TaskId id, TaskState state, Instant end, String error) {
    /// "OK", "error: <message>", "running" or "unknown (process gone)".
    public String status() {
        return state == TaskState.ERROR ? "error: " + error : state.toString();
    }
}
