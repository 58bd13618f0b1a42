package dev.shear.datacenter;

/// How a task stands, as its log says.
public enum TaskState {
    /// Its process runs and it has not finished.
    RUNNING("running"),
    /// It finished successfully.
    OK("OK"),
    /// It finished with an error.
    ERROR("error"),
    /// It never finished and its process is gone (killed, crashed, host rebooted).
    UNKNOWN("unknown (process gone)");

    private final String text;

    TaskState(String text) {
        this.text = text;
    }

    /// The word shown to users.
    @Override
    public String toString() {
        return text;
    }
}
