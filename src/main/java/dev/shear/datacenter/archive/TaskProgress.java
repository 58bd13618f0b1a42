package dev.shear.datacenter.archive;

/// Receives a task's progress in bytes. Called on the task's thread, often (every MiB): keep it
/// quick and never block (the app coalesces; the CLI redraws a line).
@FunctionalInterface
public interface TaskProgress {
    /// Nothing to report to.
    TaskProgress NONE = (done, total) -> { };

    /// `done` of `total` bytes are through.
    void progress(long done, long total);
}
