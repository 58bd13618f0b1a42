package dev.shear.datacenter.archive;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.TaskLog;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.time.Instant;

/// Verifies a backup archive (`shear verify`): re-reads every disk image through its incremental
/// chain and compares the SHA-256 of the content with the manifest's.
///
/// * Needs no other tool: each image must open cleanly as qcow2 (Shear's own parser checks the
///   header and tables), every parent archive of an incremental must be there and complete, and
///   each image's backing file must be the one the manifests describe. A missing parent or
///   backing file is a failure naming the archive and file.
/// * The result is recorded beside the manifest ([Archive#recordVerification], shown by
///   `shear list`) and the work runs as a `verify` task.
/// * An incomplete archive is refused ([IllegalStateException]) before the task starts.
///
/// ```
/// VerifyOutcome o = new Verify(dc).start("backup:vzdump-qemu-100-2026_01_31-12_00_00", TaskProgress.NONE).await();
/// ```
///
/// Thread-safe; each [#start] runs on its own thread.
public final class Verify {
    private final Datacenter dc;
    private final Archives archives;

    public Verify(Datacenter dc) {
        this.dc = dc;
        this.archives = new Archives(dc);
    }

    /// Starts verifying archive `archiveId` (`storage:name`) in the background.
    ///
    /// @param progress bytes checked so far, of the archive's total disk size
    /// @throws IllegalArgumentException when `archiveId` is malformed
    /// @throws dev.shear.datacenter.NotFoundException when there is no such archive
    /// @throws IllegalStateException    when the archive is incomplete or still being written
    public TaskRun<VerifyOutcome> start(String archiveId, TaskProgress progress) throws IOException {
        Archive archive = archives.find(archiveId);
        Manifest manifest = archive.requireComplete("verified");
        TaskLog log = dc.tasks().start("verify", archive.name().vmid());
        TaskProgress p = progress == null ? TaskProgress.NONE : progress;
        return TaskRun.start(log.id(), "shear-verify-" + archive.name(), run -> run(archive, manifest, log, run, p));
    }

    private VerifyOutcome run(Archive archive, Manifest manifest, TaskLog log, TaskRun<VerifyOutcome> run,
                              TaskProgress progress) {
        long t0 = System.nanoTime();
        long total = manifest.disks().stream().mapToLong(Manifest.DiskEntry::size).sum();
        long[] base = {0};
        String error = null;
        try {
            log.log("verifying " + manifest.mode() + " backup " + archive.id() + " (" + manifest.disks().size()
                    + " disk(s), " + Sizes.format(total) + ")");
            for (Manifest.DiskEntry d : manifest.disks()) {
                String sha;
                try (DiskChain chain = DiskChain.open(archives, archive, manifest, d.key())) {
                    sha = chain.copy(null, pos -> {
                        if (run.isCancelled()) {
                            throw new IOException("verify cancelled");
                        }
                        progress.progress(base[0] + pos, total);
                    });
                }
                base[0] += d.size();
                if (!sha.equals(d.sha256())) {
                    throw new IOException("disk " + d.key() + " (" + archive.image(d.file()) + ") does not match its"
                            + " checksum: sha256 " + sha + ", the manifest says " + d.sha256() + "; the backup is damaged");
                }
                log.log("disk " + d.key() + ": sha256 " + sha + " matches");
            }
        } catch (IOException | RuntimeException e) {
            error = TaskRun.oneLine(e);
        }
        error = record(archive, log, error, run.isCancelled());
        TaskRun.finishLog(log, error);
        return new VerifyOutcome(error == null, archive.id(), error, log.id(), (System.nanoTime() - t0) / 1e9);
    }

    /// Records the result beside the manifest (not for a cancelled run, which proved nothing).
    private static String record(Archive archive, TaskLog log, String error, boolean cancelled) {
        try {
            if (!cancelled) {
                archive.recordVerification(new Verification(error == null, Instant.now(), error == null ? "" : error));
            }
            log.log(error == null ? "backup " + archive.id() + " is intact" : "verification failed: " + error);
            return error;
        } catch (IOException | RuntimeException e) {
            return error != null ? error : "recording the result: " + TaskRun.oneLine(e);
        }
    }
}
