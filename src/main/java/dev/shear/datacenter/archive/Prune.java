package dev.shear.datacenter.archive;

import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskId;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeName;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/// Prunes one guest's backups on one storage by Proxmox VE's retention rules (`keep-last`,
/// `keep-hourly` … `keep-yearly`, see [Retention] for the exact marking), plus what incremental
/// chains and unfinished backups need:
///
/// * a kept incremental backup keeps its whole parent chain ("kept as base of …"), so every kept
///   backup stays restorable;
/// * an incomplete backup whose writer is gone is removed; one still being written is never
///   touched (nor counted by the rules). A backup in progress is based on the newest complete
///   one, which any rule keeps (each rule keeps the newest backup it looks at first).
///
/// [#plan] changes nothing (a dry run); [#run] removes what the plan marks, newest first (so a
/// crash midway never leaves a kept backup without its parent), as a `prune` task. Each archive
/// is re-checked right before it is removed. Both work on the calling thread (a UI calls them
/// from a background thread).
///
/// ```
/// List<Prune.Decision> plan = new Prune(dc).plan(100, "backup", new KeepOptions(0, 0, 7, 4, 0, 0));
/// Prune.Result done = new Prune(dc).run(100, "backup", KeepOptions.last(3), false);
/// ```
public final class Prune {
    private final Datacenter dc;
    private final Archives archives;

    public Prune(Datacenter dc) {
        this.dc = dc;
        this.archives = new Archives(dc);
    }

    /// What happens to one archive, and why.
    ///
    /// @param archive the archive
    /// @param state   its state when planned
    /// @param keep    true to keep it
    /// @param reason  the rule that keeps it (`keep-daily 2026-01-31`), or why it goes
    public record Decision(Archive archive, Archive.State state, boolean keep, String reason) {
    }

    /// What a prune did.
    ///
    /// @param decisions every archive of the guest on the storage, newest first
    /// @param removed   the archives removed (none for a dry run)
    /// @param freed     bytes freed on the storage
    /// @param failures  one line per archive that could not be removed
    /// @param task      the task, or null for a dry run
    public record Result(List<Decision> decisions, List<String> removed, long freed, List<String> failures,
                         TaskId task) {
    }

    /// Decides, changing nothing, which backups of guest `vmid` on `storage` to keep.
    ///
    /// @throws IllegalArgumentException when no keep option is on, or the storage holds no backups
    /// @throws dev.shear.datacenter.NotFoundException when the storage does not exist
    public List<Decision> plan(int vmid, String storage, KeepOptions keep) throws IOException {
        VolumeName.checkVmid(vmid);
        keep.requireAny();
        Storage s = dc.storages().get(storage);
        if (!s.config().content().contains(Content.BACKUP)) {
            throw new IllegalArgumentException("storage '" + storage + "' does not hold backups; prune works on a"
                    + " backup storage");
        }
        List<Archive> all = archives.list(s).stream().filter(a -> a.name().vmid() == vmid).toList();
        Map<ArchiveName, Archive> complete = new HashMap<>();
        Map<ArchiveName, Manifest> manifests = new HashMap<>();
        Map<ArchiveName, Archive.State> states = new HashMap<>();
        for (Archive a : all) {
            Optional<Manifest> m = a.manifest();
            states.put(a.name(), m.isPresent() ? Archive.State.COMPLETE : a.state());
            if (m.isPresent()) {
                complete.put(a.name(), a);
                manifests.put(a.name(), m.get());
            }
        }
        Map<ArchiveName, Retention.Mark> marks = Retention.mark(new ArrayList<>(complete.keySet()), keep);
        keepParents(marks, manifests);
        List<Decision> out = new ArrayList<>();
        for (Archive a : all.reversed()) {
            Archive.State st = states.get(a.name());
            out.add(switch (st) {
                case COMPLETE -> new Decision(a, st, marks.get(a.name()).keep(), marks.get(a.name()).reason());
                case IN_PROGRESS -> new Decision(a, st, true, "in progress (" + a.writer().map(ProcessOwner::toString)
                        .orElse("writer unknown") + "): not touched");
                case INCOMPLETE -> new Decision(a, st, false, "incomplete: its backup did not finish");
            });
        }
        return out;
    }

    /// Marks the parent chain of every kept incremental backup as kept.
    private static void keepParents(Map<ArchiveName, Retention.Mark> marks, Map<ArchiveName, Manifest> manifests) {
        Map<String, ArchiveName> byText = new HashMap<>();
        manifests.keySet().forEach(n -> byText.put(n.toString(), n));
        for (ArchiveName n : List.copyOf(marks.keySet())) {
            if (!marks.get(n).keep()) {
                continue;
            }
            ArchiveName child = n;
            String parent = manifests.get(n).parent();
            while (parent != null && byText.containsKey(parent)) {
                ArchiveName p = byText.get(parent);
                if (!marks.get(p).keep()) {
                    marks.put(p, new Retention.Mark(true, "kept as base of " + child));
                }
                child = p;
                parent = manifests.get(p).parent();
            }
        }
    }

    /// Plans, then (unless `dryRun`) removes what the plan marks, as a `prune` task.
    public Result run(int vmid, String storage, KeepOptions keep, boolean dryRun) throws IOException {
        List<Decision> decisions = plan(vmid, storage, keep);
        if (dryRun) {
            return new Result(decisions, List.of(), 0, List.of(), null);
        }
        List<String> removed = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long freed = 0;
        try (TaskLog log = dc.tasks().start("prune", vmid)) {
            log.log("pruning backups of guest " + vmid + " on storage '" + storage + "' with " + keep);
            for (Decision d : decisions) {
                if (d.keep()) {
                    log.log("keep   " + d.archive().name() + " (" + d.reason() + ")");
                    continue;
                }
                try {
                    long size = removeIfStill(d);
                    if (size >= 0) {
                        freed += size;
                        removed.add(d.archive().id());
                        log.log("remove " + d.archive().name() + " (" + d.reason() + "): " + Sizes.format(size) + " freed");
                    } else {
                        log.log("skip   " + d.archive().name() + ": it changed since it was planned (now "
                                + d.archive().state() + ")");
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add("cannot remove " + d.archive().id() + ": " + TaskRun.oneLine(e));
                    log.log(failures.getLast());
                }
            }
            log.log("removed " + removed.size() + " backup(s), " + Sizes.format(freed) + " freed");
            if (failures.isEmpty()) {
                log.ok();
            } else {
                log.fail(failures.size() + " backup(s) could not be removed: " + failures.getFirst());
            }
            return new Result(decisions, removed, freed, failures, log.id());
        }
    }

    /// Removes `d`'s archive if its state is still the planned one; returns the bytes freed, or
    /// -1 when it was left (it changed, or is gone already).
    private long removeIfStill(Decision d) throws IOException {
        Archive a = d.archive();
        try {
            Archive.State now = a.state();
            if (now != d.state() || now == Archive.State.IN_PROGRESS) {
                return -1;
            }
            long size = a.sizeOnDisk();
            archives.remove(a);
            return size;
        } catch (NoSuchFileException gone) {
            return -1;
        }
    }
}
