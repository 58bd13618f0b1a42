package dev.shear.cli;

/// The `shear` command's exit codes (documented in the README and `shear --help`).
public final class ExitCodes {
    /// Success.
    public static final int OK = 0;
    /// The task ran and failed (backup, restore, verify, cleanup …); details in the task log.
    public static final int TASK_FAILED = 1;
    /// The command line was wrong (unknown option, bad value): nothing was done.
    public static final int USAGE = 2;
    /// The request could not be carried out as things are (no such guest, guest locked, corrupt
    /// configuration, storage full before starting): nothing was done.
    public static final int REFUSED = 3;
    /// Interrupted (Ctrl-C).
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
