package dev.shear.datacenter;

import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/// The guests of a datacenter (`guests/<vmid>.json`): create, get, list, update, lock, destroy.
///
/// * **Atomic read-modify-write.** [#update] reads, changes and writes a configuration holding the
///   guest's lock (`run/lock/guest-<vmid>.lock`), which excludes other threads and processes; a
///   lock not free within the wait fails with "guest 100's config is locked by another operation;
///   try again" and changes nothing.
/// * **References stay valid.** A change that makes a guest reference a volume on a storage checks,
///   under the storage lock, that the storage is defined (see [Storages] for the lock order).
/// * **Long-lived locks.** [#lock]/[#unlock] set and clear a [GuestLock] (e.g. for a backup); an
///   operation that finds the guest locked by a live process is refused with a
///   [GuestLockedException].
/// * **Crash-safe creation and destruction** (see [#create], [#destroy]): volumes are recorded in
///   the configuration before they exist and the configuration goes last, so after a crash at any
///   point [#destroy] finds and frees everything.
///
/// Thread-safe.
public final class Guests {
    private final DatacenterRoot root;
    private final Locks locks;
    private final Storages storages;

    Guests(DatacenterRoot root, Locks locks, Storages storages) {
        this.root = root;
        this.locks = locks;
        this.storages = storages;
    }

    /// Runs `work` holding guest `vmid`'s config lock (reentrant; other processes wait or fail).
    public <T> T withGuestLock(int vmid, IoCallable<T> work) throws IOException {
        VolumeName.checkVmid(vmid);
        return locks.withLock("guest-" + vmid, "guest " + vmid + "'s config", work);
    }

    /// Guest `vmid`'s configuration, if it exists.
    ///
    /// @throws ConfigException when its file cannot be read
    public Optional<GuestConfig> find(int vmid) throws IOException {
        Path file = root.guestFile(vmid);
        Optional<GuestConfig> c = ConfigFiles.readIfExists(file, GuestConfig.class);
        if (c.isPresent() && c.get().vmid() != vmid) {
            throw new ConfigException(file, nameMismatch(file, c.get()));
        }
        return c;
    }

    /// Guest `vmid`'s configuration.
    ///
    /// @throws NotFoundException when there is no such guest
    /// @throws ConfigException   when its file cannot be read
    public GuestConfig get(int vmid) throws IOException {
        return find(vmid).orElseThrow(() -> new NotFoundException("guest " + vmid + " does not exist"));
    }

    /// Every guest, sorted by id; unreadable files are reported in [Listing#broken()].
    public Listing<GuestConfig> list() throws IOException {
        return readAll(root);
    }

    static Listing<GuestConfig> readAll(DatacenterRoot root) throws IOException {
        return ConfigDirectory.readAll(root.guestsDir(), GuestConfig.class, Comparator.comparingInt(GuestConfig::vmid),
                (file, c) -> file.getFileName().toString().equals(c.vmid() + ".json") ? null : nameMismatch(file, c));
    }

    private static String nameMismatch(Path file, GuestConfig c) {
        return "it configures guest " + c.vmid() + " but is named " + file.getFileName();
    }

    /// Replaces guest `vmid`'s configuration with `change` applied to it, atomically with respect
    /// to every other update in any process. `change` runs under the lock and may throw to abort;
    /// returning an equal configuration writes nothing. The vmid cannot change.
    ///
    /// @return the configuration now stored
    public GuestConfig update(int vmid, IoFunction<GuestConfig, GuestConfig> change) throws IOException {
        return withGuestLock(vmid, () -> {
            GuestConfig old = get(vmid);
            GuestConfig updated = change.apply(old);
            if (updated == null || updated.vmid() != vmid) {
                throw new IllegalArgumentException("an update of guest " + vmid + " must return guest " + vmid
                        + "'s configuration, got " + (updated == null ? "null" : "guest " + updated.vmid()));
            }
            if (!updated.equals(old)) {
                write(old, updated);
            }
            return updated;
        });
    }

    /// Writes `updated` over `old` (null: a new file). Caller holds the guest's lock.
    private void write(GuestConfig old, GuestConfig updated) throws IOException {
        Path file = root.guestFile(updated.vmid());
        Set<VolumeId> known = new HashSet<>(old == null ? List.of() : old.volumes());
        List<VolumeId> added = updated.volumes().stream().filter(v -> !known.contains(v)).toList();
        IoCallable<Void> store = () -> {
            if (old == null) {
                ConfigFiles.create(file, updated);
            } else {
                ConfigFiles.replace(file, updated, GuestConfig.class);
            }
            return null;
        };
        if (added.isEmpty()) {
            store.call();
            return;
        }
        storages.withLock(() -> {
            List<String> missing = storages.undefined(added.stream());
            if (!missing.isEmpty()) {
                throw new NotFoundException("guest " + updated.vmid() + " cannot use storage '"
                        + String.join("', '", missing) + "': it does not exist");
            }
            return store.call();
        });
    }

    /// Sets a [GuestLock] of `kind` owned by this process.
    ///
    /// @throws GuestLockedException when the guest is locked already (by anyone, alive or not)
    public GuestConfig lock(int vmid, String kind) throws IOException {
        GuestLock lock = GuestLock.held(kind);
        return update(vmid, c -> {
            if (c.lock() != null) {
                throw new GuestLockedException(vmid, c.lock(), c.lock().owner().isAlive());
            }
            return c.withLock(lock);
        });
    }

    /// Clears the guest's lock, which must be a lock of `kind` held by this process.
    public GuestConfig unlock(int vmid, String kind) throws IOException {
        return update(vmid, c -> {
            GuestLock l = c.lock();
            if (l == null) {
                throw new IllegalStateException("guest " + vmid + " is not locked (expected a " + kind + " lock)");
            }
            if (!l.kind().equals(kind) || !l.owner().isSameProcess(ProcessOwner.current())) {
                throw new IllegalStateException("guest " + vmid + "'s lock is " + l + ", not this process's " + kind
                        + " lock; leaving it");
            }
            return c.withLock(null);
        });
    }

    /// Clears the guest's lock if its owner is gone (a crash left it); a lock of a live process
    /// is refused with [GuestLockedException]. A guest without a lock is left as it is.
    public GuestConfig clearStaleLock(int vmid) throws IOException {
        return update(vmid, c -> {
            if (c.lock() == null) {
                return c;
            }
            if (c.lock().owner().isAlive()) {
                throw new GuestLockedException(vmid, c.lock(), true);
            }
            return c.withLock(null);
        });
    }

    /// Creates a guest with new disks (see [GuestCreation] for the crash-safe order).
    ///
    /// @param filler writes initial data into each new disk, or null to leave them empty
    /// @throws FileAlreadyExistsException when guest `spec.vmid()` exists
    public GuestConfig create(GuestSpec spec, DiskFiller filler) throws IOException {
        return create(spec, filler, GuestLock.CREATE);
    }

    /// As [#create(GuestSpec, DiskFiller)], holding a lock of `lockKind` (e.g. `restore`) while the
    /// disks are allocated and filled, so a crash leaves the guest marked for what died.
    public GuestConfig create(GuestSpec spec, DiskFiller filler, String lockKind) throws IOException {
        return new GuestCreation(this, storages).run(spec, filler, lockKind);
    }

    /// Writes a new guest's configuration. Caller holds the guest's lock.
    void createConfig(GuestConfig config) throws IOException {
        Path file = root.guestFile(config.vmid());
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(file.toString(), null, "guest " + config.vmid() + " already exists");
        }
        write(null, config);
    }

    /// Removes guest `vmid`'s configuration file. Caller holds the guest's lock.
    void deleteConfig(int vmid) throws IOException {
        Files.delete(root.guestFile(vmid));
        AtomicFiles.fsyncDirectory(root.guestsDir());
    }

    /// Destroys guest `vmid`: frees its disks, its recorded fleecing images and any other volume of
    /// it left on a storage (`vm-<vmid>-…`), removes its dirty bitmaps, and last its configuration.
    ///
    /// Refused while a live process holds the guest's lock ([GuestLockedException]); a stale lock
    /// does not stop it. The guest is marked with a `destroy` lock first, so a crash midway leaves a
    /// guest that a second destroy finishes. When a volume cannot be freed the guest stays, with
    /// its previous lock, and the error lists each volume and why.
    public void destroy(int vmid) throws IOException {
        new GuestDestruction(this, storages, root).run(vmid);
    }
}
