package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shear.util.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/// A datacenter opened on its root directory: the entry point to its [Storages], [Guests] and
/// [Tasks]. See [DatacenterRoot] for the layout on disk.
///
/// * **Opening creates a fresh root**: a missing or empty directory gets the layout and a
///   `datacenter.json` marker (written last). A directory that holds other things and no marker
///   is refused, so a mistyped `--root` never litters someone's home directory.
/// * **A root from a newer Shear is refused** (its marker's schema is higher), as is one whose
///   marker is damaged: the message names the file.
/// * Every file write is atomic (temporary file, fsync, rename, fsync of the directory) and happens
///   under a lock that holds across threads and processes ([Locks]); locks are waited for at most
///   the lock wait, 10 s by default.
///
/// ## Files
/// Every configuration file is one JSON object starting with `"schema": 1`. Reading is strict:
/// bad JSON, a missing `schema` or one this Shear does not know, a missing required field, a value
/// of the wrong type (no `"100"` for `100`) or that the record refuses, and **unknown fields** are
/// all reported as a [ConfigException] naming the file and the problem. Unknown fields are refused
/// rather than tolerated because rewriting the file would silently drop them (a typo such as
/// `"disacrd"` would vanish instead of being reported); a future field comes with a schema bump.
/// Optional fields (a storage's `thin`/`discard`, a guest's `description`, `lock`, `fleecing`)
/// may be left out. A file that cannot be read is never overwritten: the user fixes or removes it.
///
/// Thread-safe; any number of `Datacenter` objects, in any number of processes, may share a root.
public final class Datacenter {
    /// How long a lock is waited for by default (Proxmox VE waits 10 s for a config lock).
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(10);
    /// The name of the lock for datacenter-wide changes (initialising the root).
    public static final String DATACENTER_LOCK = "datacenter";

    /// What `datacenter.json` holds.
    ///
    /// @param created   when the root was created
    /// @param createdBy the Shear version that created it
    public record Info(@JsonProperty(required = true) Instant created, String createdBy) {
    }

    private static final Set<String> LAYOUT = Set.of("datacenter.json", "storage", "guests", "tasks", "run", "bitmaps", "jobs");

    private final DatacenterRoot root;
    private final Locks locks;
    private final Storages storages;
    private final Guests guests;
    private final Tasks tasks;

    private Datacenter(DatacenterRoot root, Locks locks) throws IOException {
        this.root = root;
        this.locks = locks;
        this.storages = new Storages(root, locks);
        this.guests = new Guests(root, locks, storages);
        this.tasks = new Tasks(root.tasksDir());
    }

    /// Opens (creating if needed) the datacenter at an explicit directory.
    public static Datacenter open(Path root) throws IOException {
        return open(new DatacenterRoot(root.toAbsolutePath(), "--root"), DEFAULT_LOCK_WAIT);
    }

    /// Opens (creating if needed) the datacenter at `root` (e.g. [DatacenterRoot#resolve(Path)] of
    /// the CLI's `--root`).
    public static Datacenter open(DatacenterRoot root) throws IOException {
        return open(root, DEFAULT_LOCK_WAIT);
    }

    /// Opens (creating if needed) the datacenter at `root`, waiting at most `lockWait` for locks.
    public static Datacenter open(DatacenterRoot root, Duration lockWait) throws IOException {
        Path dir = root.path();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("datacenter root " + root + " is not a directory");
        }
        boolean fresh = !Files.exists(root.infoFile());
        if (fresh) {
            checkEmpty(root);
        }
        Locks locks = new Locks(root.lockDir(), lockWait);
        locks.withLock(DATACENTER_LOCK, "the datacenter root " + dir, () -> {
            boolean marked = Files.exists(root.infoFile());
            if (marked) {
                ConfigFiles.read(root.infoFile(), Info.class);
            }
            for (Path p : List.of(root.storageDir(), root.guestsDir(), root.tasksDir(), root.bitmapsDir())) {
                Files.createDirectories(p);
            }
            if (!marked) {
                ConfigFiles.create(root.infoFile(), new Info(Instant.now().truncatedTo(ChronoUnit.SECONDS), Version.get()));
            }
            return null;
        });
        return new Datacenter(root, locks);
    }

    /// Refuses a directory holding anything but (parts of) a datacenter layout.
    private static void checkEmpty(DatacenterRoot root) throws IOException {
        List<String> foreign;
        try (Stream<Path> entries = Files.list(root.path())) {
            foreign = entries.map(p -> p.getFileName().toString())
                    .filter(n -> !LAYOUT.contains(n) && !n.startsWith(".datacenter.json.tmp-"))
                    .sorted().limit(5).toList();
        } catch (NoSuchFileException e) {
            return;
        }
        if (!foreign.isEmpty()) {
            throw new IOException("datacenter root " + root + " is not a Shear datacenter (no datacenter.json) and is"
                    + " not empty (it holds " + String.join(", ", foreign) + "); choose a new or empty directory");
        }
    }

    /// Where it lives.
    public DatacenterRoot root() {
        return root;
    }

    /// Storage definitions and storages.
    public Storages storages() {
        return storages;
    }

    /// Guest configurations.
    public Guests guests() {
        return guests;
    }

    /// Task logs.
    public Tasks tasks() {
        return tasks;
    }

    /// The datacenter's locks, for operations that need their own (lock names: [#DATACENTER_LOCK],
    /// [Storages#LOCK], `guest-<vmid>`; lower-case letters, digits and `-`).
    public Locks locks() {
        return locks;
    }
}
