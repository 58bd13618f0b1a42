package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.BackupJob;
import dev.shear.backup.EngineWarmup;
import dev.shear.backup.GuestBackup;
import dev.shear.backup.JobState;
import dev.shear.backup.SyncMode;
import dev.shear.block.BlockNode;
import dev.shear.block.ThrottleNode;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.ContentHash;
import dev.shear.datacenter.archive.Manifest;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.util.IoThreads;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/// The steps of one guest backup, run on the backup's own thread (see [BackupService]).
final class BackupProcedure {
    private final Datacenter dc;
    private final BackupRequest request;
    private final OpenGuest given;
    private final TaskLog log;
    private final Consumer<BackupEvent> events;
    private final BackupRun run;
    private final Archives archives;
    private final FleecingImages fleecing;

    /// Per disk: how it is backed up.
    private record Plan(OpenGuest.Disk disk, boolean incremental, String file) {
    }

    BackupProcedure(Datacenter dc, BackupRequest request, OpenGuest given, TaskLog log, Consumer<BackupEvent> events,
                    BackupRun run) {
        this.dc = dc;
        this.request = request;
        this.given = given;
        this.log = log;
        this.events = events;
        this.run = run;
        this.archives = new Archives(dc);
        this.fleecing = new FleecingImages(dc);
    }

    private void say(String message) {
        events.accept(BackupService.line(request.vmid(), message));
    }

    BackupOutcome run() {
        long t0 = System.nanoTime();
        int vmid = request.vmid();
        OpenGuest open = given;
        Archive archive = null;
        List<FleecingImages.Image> fleeceImages = List.of();
        List<VolumeId> fleeceRecorded = new ArrayList<>();
        List<BlockNode> targets = new ArrayList<>();
        String mode = Manifest.FULL;
        String error = null;
        String archiveId = null;
        long copied = 0;
        try {
            GuestConfig guest = dc.guests().get(vmid);
            say("starting backup of guest " + vmid + " (" + guest.name() + ") to storage '" + request.storage() + "'"
                    + (request.fleecing().enabled() ? " with fleecing on '" + request.fleecing().storage() + "'" : ""));
            long freed = fleecing.cleanupLeftovers(vmid, log);
            if (freed > 0) {
                say("removed leftover fleecing images of an earlier run (" + Sizes.format(freed) + ")");
            }
            Storage storage = dc.storages().get(request.storage());
            removeDeadArchives(storage, vmid);
            if (open == null) {
                open = OpenGuest.open(dc, guest, "backup");
            }
            Optional<Archive> parent = request.incremental() ? archives.latestComplete(storage, vmid) : Optional.empty();
            Manifest parentManifest = parent.isPresent() ? parent.get().requireManifest() : null;
            List<Plan> plans = plan(open, storage, parent.orElse(null), parentManifest);
            if (plans.stream().anyMatch(Plan::incremental)) {
                mode = Manifest.INCREMENTAL;
            }
            checkCancelled();
            LocalDateTime now = LocalDateTime.now();
            Instant started = Instant.now();
            archive = archives.create(storage, vmid, now);
            archiveId = archive.id();
            say("creating " + mode + " backup " + archive.id() + (parent.isPresent() && mode.equals(Manifest.INCREMENTAL)
                    ? " on top of " + parent.get().name() : ""));
            for (Plan p : plans) {
                Qcow2Options o = Qcow2Options.of(p.disk().disk().size());
                if (p.incremental()) {
                    o = o.withBacking("../" + parent.get().name() + "/" + parentManifest.disk(p.disk().key()).file(),
                            Qcow2Options.BackingFormat.QCOW2);
                }
                targets.add(Qcow2Node.create(archive.image(p.file()), o));
            }
            if (request.fleecing().enabled()) {
                Map<String, Long> sizes = new LinkedHashMap<>();
                plans.forEach(p -> sizes.put(p.disk().key(), p.disk().disk().size()));
                fleeceImages = fleecing.allocate(vmid, request.fleecing().storage(), sizes, log);
                fleeceImages.forEach(i -> fleeceRecorded.add(i.volume()));
            }
            checkCancelled();
            long slowTarget = experimentalTargetRate();
            List<GuestBackup.Disk> disks = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                OpenGuest.Disk d = plans.get(i).disk();
                BlockNode target = slowTarget > 0 ? new ThrottleNode(targets.get(i), slowTarget) : targets.get(i);
                disks.add(new GuestBackup.Disk(d.key(), d.seat(), target,
                        fleeceImages.isEmpty() ? null : fleeceImages.get(i).node(), d.tracker(),
                        plans.get(i).incremental() ? SyncMode.BITMAP : SyncMode.FULL));
            }
            GuestBackup engine = GuestBackup.prepare("vzdump-" + vmid, disks, request.engineOptions(), events);
            if (given != null && !fleeceImages.isEmpty()) {
                // a running guest's writes will meet copy-before-write: compile that path first
                EngineWarmup.ensure().ifPresent(s -> say(s.describe()));
                checkCancelled();
            }
            engine.start();
            run.started(engine);
            HashFollower hasher = new HashFollower(engine.jobs(), List.copyOf(targets));
            Thread hashing = Thread.ofPlatform().name("shear-hash-" + vmid).daemon().start(() -> {
                IoThreads.becomeBackground();
                hasher.run();
            });
            GuestBackup.Result result = engine.await();
            if (result.state() != JobState.COMPLETED) {
                hasher.stop();
            }
            hashing.join();
            release(fleeceImages, fleeceRecorded);
            fleeceImages = List.of();
            for (BackupJob j : engine.jobs()) {
                copied += j.blockCopy().bytesDone();
            }
            if (result.state() != JobState.COMPLETED) {
                throw new IOException(result.state() == JobState.CANCELLED ? "backup cancelled" : result.error());
            }
            closeAll(targets);
            List<Manifest.DiskEntry> entries = hashAndDescribe(archive, plans, engine.jobs(), hasher);
            archives.complete(archive, new Manifest(archive.name().toString(), mode,
                    mode.equals(Manifest.INCREMENTAL) ? parent.get().name().toString() : null, started, Instant.now(),
                    guest.withLock(null).withFleecing(List.of()), entries, manifestOptions()));
            for (Plan p : plans) {
                p.disk().bitmap().rebase(archive.id());
            }
            say("backup " + archive.id() + " finished: " + Sizes.format(copied) + " copied");
        } catch (IOException | RuntimeException e) {
            error = BackupService.oneLine(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } finally {
            error = cleanup(error, open, archive, targets, fleeceImages, fleeceRecorded);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new BackupOutcome(error == null, error == null ? archiveId : null, mode, error, log.id(), copied, seconds);
    }

    /// Benchmarks only: `SHEAR_X_TARGET_BPS` (bytes/s) throttles writes to the backup target, to
    /// emulate a slow backup target the way the QEMU peer's throttle node does. Not a product option.
    private long experimentalTargetRate() {
        String v = System.getenv("SHEAR_X_TARGET_BPS");
        if (v == null || v.isBlank()) {
            return 0;
        }
        long rate = Sizes.parse(v);
        say("experimental: backup target throttled to " + Sizes.format(rate) + "/s (SHEAR_X_TARGET_BPS)");
        return rate;
    }

    private void checkCancelled() throws IOException {
        if (run.isCancelled()) {
            throw new IOException("backup cancelled");
        }
    }

    /// Which disks can be incremental: those whose bitmap is relative to the parent archive.
    private List<Plan> plan(OpenGuest open, Storage storage, Archive parent, Manifest parentManifest) throws IOException {
        List<Plan> plans = new ArrayList<>();
        for (OpenGuest.Disk d : open.disks()) {
            boolean incremental = false;
            if (request.incremental()) {
                String why = null;
                if (parent == null) {
                    why = "there is no earlier complete backup of guest " + request.vmid() + " on '" + storage.id() + "'";
                } else if (d.bitmap().basis() == null) {
                    why = d.bitmap().invalidReason();
                } else if (!d.bitmap().basis().equals(parent.id())) {
                    why = "its dirty bitmap belongs to backup " + d.bitmap().basis() + ", not to the latest one ("
                            + parent.id() + ")";
                } else if (parentManifest.disk(d.key()) == null || parentManifest.disk(d.key()).size() != d.disk().size()) {
                    why = "the disk is not in the latest backup with the same size";
                }
                incremental = why == null;
                if (!incremental) {
                    say("disk " + d.key() + ": falling back to a full backup: " + why);
                }
            }
            plans.add(new Plan(d, incremental, d.key() + ".qcow2"));
        }
        return plans;
    }

    private void removeDeadArchives(Storage storage, int vmid) throws IOException {
        for (Archive a : archives.list(storage)) {
            if (a.name().vmid() == vmid && a.state() == Archive.State.INCOMPLETE) {
                archives.remove(a);
                say("removed incomplete backup " + a.id() + " left by an earlier run");
            }
        }
    }

    private List<Manifest.DiskEntry> hashAndDescribe(Archive archive, List<Plan> plans, List<BackupJob> jobs,
                                                     HashFollower hasher) throws IOException {
        List<Manifest.DiskEntry> entries = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            String sha = hasher.hash(i);
            if (sha == null) {
                try (Qcow2Node img = Qcow2Node.open(archive.image(p.file()), false)) {
                    sha = ContentHash.of(img, pos -> { });
                }
            }
            BackupJob job = jobs.get(i);
            entries.add(new Manifest.DiskEntry(p.disk().key(), p.file(), p.disk().disk().size(),
                    job.blockCopy().clusterSize(), sha, job.blockCopy().bytesDone(), p.incremental()));
            say("disk " + p.disk().key() + ": sha256 " + sha);
        }
        return entries;
    }

    private Manifest.Options manifestOptions() {
        var o = request.engineOptions();
        return new Manifest.Options(request.fleecing().enabled() ? request.fleecing().storage() : null,
                o.perf().maxWorkers(), o.perf().maxChunk(), o.perf().minClusterSize(), o.speed(), o.discardSource(),
                o.onCbwError().optionValue(), o.cbwTimeoutSeconds(), o.writeBehind());
    }

    private void release(List<FleecingImages.Image> images, List<VolumeId> recorded) throws IOException {
        if (!recorded.isEmpty()) {
            fleecing.release(request.vmid(), images, recorded, log);
        }
    }

    private static void closeAll(List<BlockNode> nodes) throws IOException {
        IOException first = null;
        for (BlockNode n : nodes) {
            try {
                n.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        nodes.clear();
        if (first != null) {
            throw first;
        }
    }

    /// Undoes what a failed backup left and always unlocks; returns the (first) error.
    private String cleanup(String error, OpenGuest open, Archive archive, List<BlockNode> targets,
                           List<FleecingImages.Image> fleeceImages, List<VolumeId> fleeceRecorded) {
        List<String> problems = new ArrayList<>();
        try {
            closeAll(targets);
        } catch (IOException e) {
            problems.add("closing the backup images: " + e.getMessage());
        }
        try {
            if (!fleeceImages.isEmpty() || (error != null && !fleeceRecorded.isEmpty())) {
                release(fleeceImages, fleeceRecorded);
            }
        } catch (IOException e) {
            problems.add("freeing fleecing images: " + e.getMessage());
        }
        if (error != null && archive != null) {
            try {
                archives.remove(archive);
            } catch (IOException e) {
                problems.add("removing the incomplete backup " + archive.id() + ": " + e.getMessage());
            }
        }
        if (open != null && open != given) {
            try {
                open.close();
            } catch (IOException e) {
                problems.add("closing guest disks: " + e.getMessage());
            }
        }
        try {
            dc.guests().unlock(request.vmid(), GuestLock.BACKUP);
        } catch (IOException e) {
            problems.add("unlocking the guest: " + e.getMessage());
        }
        for (String p : problems) {
            say("cleanup: " + p);
        }
        String result = error != null ? error : problems.isEmpty() ? null : "cleanup failed: " + problems.get(0);
        try {
            if (result == null) {
                log.ok();
            } else {
                say("backup failed: " + result);
                log.fail(result);
            }
        } catch (IOException e) {
            System.getLogger(BackupProcedure.class.getName()).log(System.Logger.Level.WARNING,
                    "task log of the backup of guest " + request.vmid() + " not finished: " + e.getMessage());
        }
        return result;
    }
}
