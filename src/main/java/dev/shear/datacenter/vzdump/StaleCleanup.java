package dev.shear.datacenter.vzdump;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.TaskId;
import dev.shear.datacenter.TaskLog;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/// Finds and removes what crashed operations left behind — `shear cleanup` and the app's one-click
/// cleanup call this same code:
///
/// * **recorded fleecing images** of guests whose lock's owner is gone (or that carry no lock, so
///   no backup of theirs runs), and then the **stale lock** itself;
/// * **orphan fleecing images**: files on image storages named like fleecing images
///   (`vm-<vmid>-fleece-<n>.<fmt>`) that no guest records;
/// * **incomplete backup archives** (no manifest) whose writer is gone;
/// * **unfinished guests**: a guest whose creation, restore or destruction died midway (a stale
///   `create`, `restore` or `destroy` lock) is destroyed — its disks were never complete.
///
/// Nothing held by a live process is offered: a guest whose lock's owner lives is skipped with all
/// its images and archives, and so is any file a live process holds open (see [OpenFiles] for
/// what can be seen without root).
///
/// [#find()] changes nothing and returns a [Plan]: each item with its kind, what it is, the guest
/// it belongs to, its bytes on disk and why it is stale. [#execute(Plan)] removes exactly those
/// items — re-checking each, under its guest's config lock, right before removing it — un-records
/// freed images and clears stale locks, as a `cleanup` task, and reports what it removed.
///
/// Both calls do their work on the calling thread (seconds at most for a scan; removal as long
/// as deleting the files takes): a UI calls them from a background thread.
///
/// ```
/// StaleCleanup cleanup = new StaleCleanup(dc);
/// StaleCleanup.Plan plan = cleanup.find();          // show plan.items(), plan.bytes(), plan.notes()
/// StaleCleanup.Report done = cleanup.execute(plan); // after the user agreed
/// ```
///
/// Thread-safe.
public final class StaleCleanup {
    private final Datacenter dc;

    public StaleCleanup(Datacenter dc) {
        this.dc = dc;
    }

    /// What a cleanup item is. The order is the order of removal.
    public enum Kind {
        /// A fleecing image recorded in a guest's configuration while no backup of the guest runs.
        RECORDED_FLEECING_IMAGE("fleecing image"),
        /// A file named like a fleecing image that no guest records.
        ORPHAN_FLEECING_IMAGE("orphan fleecing image"),
        /// A backup archive without a manifest whose writer is gone.
        INCOMPLETE_ARCHIVE("incomplete backup"),
        /// A guest whose creation, restore or destruction did not finish: destroyed.
        UNFINISHED_GUEST("unfinished guest"),
        /// A guest lock whose owner is gone: cleared.
        STALE_LOCK("stale lock");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /// The words shown to users.
        public String text() {
            return text;
        }
    }

    /// One thing to remove.
    ///
    /// @param kind   what it is
    /// @param target the volume id, archive id (`storage:name`), `guest <vmid>` or the lock
    /// @param vmid   the guest it belongs to
    /// @param path   the file or directory on disk, or null (a lock, a guest)
    /// @param bytes  bytes it occupies on disk (0 for a lock)
    /// @param why    why it is stale
    public record Item(Kind kind, String target, int vmid, Path path, long bytes, String why) {
        /// "orphan fleecing image fast:vm-105-fleece-0.qcow2 (64 KiB): no guest records it".
        @Override
        public String toString() {
            return kind.text() + " " + target + (bytes > 0 ? " (" + Sizes.format(bytes) + ")" : "") + ": " + why;
        }
    }

    /// What [#find()] found.
    ///
    /// @param items   what to remove, in the order [#execute] removes them
    /// @param notes   what was left alone and why (live owners, open files, unreadable files), and
    ///                what could not be checked
    public record Plan(List<Item> items, List<String> notes) {
        public Plan {
            items = items.stream().sorted(Comparator.comparing(Item::kind).thenComparingInt(Item::vmid)
                    .thenComparing(Item::target)).toList();
            notes = List.copyOf(notes);
        }

        /// The bytes removing every item frees.
        public long bytes() {
            return items.stream().mapToLong(Item::bytes).sum();
        }

        public boolean isEmpty() {
            return items.isEmpty();
        }
    }

    /// What [#execute] did.
    ///
    /// @param removed  the items removed
    /// @param left     items left because they are no longer stale (a backup started meanwhile …),
    ///                 each with the reason
    /// @param failures items that could not be removed, each with the error
    /// @param freed    bytes freed
    /// @param task     the `cleanup` task
    public record Report(List<Item> removed, List<String> left, List<String> failures, long freed, TaskId task) {
    }

    /// Looks for stale things; changes nothing.
    public Plan find() throws IOException {
        return new StaleScan(dc).scan();
    }

    /// Removes the items of `plan` that are still stale, as a `cleanup` task.
    public Report execute(Plan plan) throws IOException {
        List<Item> removed = new ArrayList<>();
        List<String> left = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long freed = 0;
        StaleRemoval removal = new StaleRemoval(dc);
        try (TaskLog log = dc.tasks().start("cleanup")) {
            log.log("cleaning up " + plan.items().size() + " item(s), " + Sizes.format(plan.bytes()));
            Set<Integer> failedGuests = new java.util.HashSet<>();
            for (Item item : plan.items()) {
                if (item.kind() == Kind.STALE_LOCK && failedGuests.contains(item.vmid())) {
                    left.add(item + ": kept, because an image of guest " + item.vmid() + " could not be removed");
                    log.log("left " + left.getLast());
                    continue;
                }
                try {
                    String notStale = removal.remove(item, log);
                    if (notStale == null) {
                        removed.add(item);
                        freed += item.bytes();
                        log.log("removed " + item);
                    } else {
                        left.add(item.kind().text() + " " + item.target() + ": " + notStale);
                        log.log("left " + left.getLast());
                    }
                } catch (IOException | RuntimeException e) {
                    failedGuests.add(item.vmid());
                    failures.add(item.kind().text() + " " + item.target() + ": " + BackupService.oneLine(e));
                    log.log("failed: " + failures.getLast());
                }
            }
            log.log("removed " + removed.size() + " item(s), " + Sizes.format(freed) + " freed");
            if (failures.isEmpty()) {
                log.ok();
            } else {
                log.fail(failures.size() + " item(s) could not be removed: " + failures.getFirst());
            }
            return new Report(removed, left, failures, freed, log.id());
        }
    }

    /// True when `lock` is one whose operation left an unfinished guest behind.
    static boolean leavesUnfinishedGuest(GuestLock lock) {
        return switch (lock.kind()) {
            case GuestLock.CREATE, GuestLock.RESTORE, GuestLock.DESTROY -> true;
            default -> false;
        };
    }

    /// True when guest `g` is held by a live process (its lock's owner lives).
    static boolean liveLocked(GuestConfig g) {
        return g != null && g.lock() != null && g.lock().owner().isAlive();
    }
}
