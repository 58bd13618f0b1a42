package dev.shear.datacenter.jobs;

import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupService;
import java.io.IOException;

/// Backs up one guest for a job and waits for the end: where the guest is served decides how
/// (the CLI and the app reach a guest run by another process through its control socket; this
/// layer knows only [#local]).
@FunctionalInterface
public interface GuestBackup {
    /// Backs up `request.vmid()` and returns how it ended.
    ///
    /// @throws IOException              when the backup could not start (locked, busy, gone)
    /// @throws IllegalArgumentException when the engine refuses the options
    BackupOutcome backUp(BackupRequest request) throws IOException, InterruptedException;

    /// Backs up in this process, opening the guest's disks here (the guest must not be running).
    static GuestBackup local(BackupService service) {
        return request -> service.start(request, null, event -> { }).await();
    }
}
