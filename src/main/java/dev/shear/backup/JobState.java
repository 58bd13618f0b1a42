package dev.shear.backup;

/// The life of a backup job: created → running ⇄ paused → completed | failed | cancelled.
public enum JobState {
    CREATED, RUNNING, PAUSED, COMPLETED, FAILED, CANCELLED;

    /// True for completed, failed and cancelled.
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
