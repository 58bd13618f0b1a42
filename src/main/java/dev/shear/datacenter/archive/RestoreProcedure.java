package dev.shear.datacenter.archive;

import dev.shear.block.BlockNode;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunClaim;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.util.Optional;

/// The steps of one restore, on the restore's own thread (see [Restore]).
final class RestoreProcedure {
    private final Datacenter dc;
    private final Restore.Plan plan;
    private final TaskLog log;
    private final TaskRun<RestoreOutcome> run;
    private final TaskProgress progress;
    private final long total;
    /// Only touched by the restore's thread.
    private long done;
    private long written;

    RestoreProcedure(Datacenter dc, Restore.Plan plan, TaskLog log, TaskRun<RestoreOutcome> run, TaskProgress progress) {
        this.dc = dc;
        this.plan = plan;
        this.log = log;
        this.run = run;
        this.progress = progress;
        this.total = plan.manifest().disks().stream().mapToLong(Manifest.DiskEntry::size).sum();
    }

    RestoreOutcome run() {
        long t0 = System.nanoTime();
        int vmid = plan.vmid();
        String error = null;
        RunClaim claim = null;
        try {
            Manifest m = plan.manifest();
            say("restoring " + m.mode() + " backup " + plan.archive().id() + " (taken " + m.started() + ") to guest "
                    + vmid + " (" + plan.spec().name() + "), " + Sizes.format(total) + " in " + m.disks().size()
                    + " disk(s)");
            claim = new GuestRuns(dc.root()).claim(vmid, "restore");
            if (plan.replace() && dc.guests().find(vmid).isPresent()) {
                say("guest " + vmid + " exists: destroying it first (--force)");
                dc.guests().destroy(vmid);
            }
            checkCancelled();
            dc.guests().create(plan.spec(), this::fill, GuestLock.RESTORE);
            say("restored guest " + vmid + ": " + Sizes.format(written) + " written; every disk matches its sha256");
        } catch (IOException | RuntimeException e) {
            error = TaskRun.oneLine(e);
        } finally {
            error = finish(error, claim);
        }
        return new RestoreOutcome(error == null, plan.archive().id(), vmid, error, log.id(), written,
                (System.nanoTime() - t0) / 1e9);
    }

    /// Writes disk `disk` of the new guest from the archive, under a `restore` lock.
    private void fill(GuestDisk disk, BlockNode node) throws IOException {
        Manifest.DiskEntry entry = plan.manifest().disk(disk.key());
        say("disk " + disk.key() + ": restoring to " + disk.volume() + " (" + Sizes.format(disk.size()) + ")");
        long before = written;
        long base = done;
        String sha;
        try (DiskChain chain = DiskChain.open(new Archives(dc), plan.archive(), plan.manifest(), disk.key())) {
            sha = chain.copy((offset, data) -> {
                written += data.remaining();
                node.write(offset, data, false);
            }, pos -> {
                checkCancelled();
                done = base + pos;
                progress.progress(done, total);
            });
        }
        if (!sha.equals(entry.sha256())) {
            throw new IOException("disk " + disk.key() + ": the content read from backup " + plan.archive().id()
                    + " does not match its checksum (sha256 " + sha + ", the manifest says " + entry.sha256()
                    + "): the backup is damaged");
        }
        say("disk " + disk.key() + ": " + Sizes.format(written - before) + " written, sha256 " + sha + " matches");
    }

    private void checkCancelled() throws IOException {
        if (run.isCancelled()) {
            throw new IOException("restore cancelled");
        }
    }

    private void say(String line) throws IOException {
        log.log(line);
    }

    /// Releases the claim, says what a failure left behind, and ends the task log.
    private String finish(String error, RunClaim claim) {
        String result = error;
        try {
            if (error != null) {
                Optional<GuestConfig> left = dc.guests().find(plan.vmid());
                GuestLock lock = left.map(GuestConfig::lock).orElse(null);
                if (left.isEmpty()) {
                    say("restore failed: " + error + "; nothing is left of guest " + plan.vmid());
                } else if (lock != null && lock.owner().isSameProcess(ProcessOwner.current())) {
                    say("restore failed: " + error + "; the partly restored guest " + plan.vmid() + " could not be"
                            + " removed: 'shear cleanup' removes it");
                } else {
                    say("restore failed: " + error);
                }
            }
        } catch (IOException | RuntimeException e) {
            result = result != null ? result : TaskRun.oneLine(e);
        }
        if (claim != null) {
            try {
                claim.close();
            } catch (IOException e) {
                result = result != null ? result : "releasing guest " + plan.vmid() + ": " + e.getMessage();
            }
        }
        TaskRun.finishLog(log, result);
        return result;
    }
}
