package dev.shear.datacenter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/// The storage definitions of a datacenter (`storage/<id>.json`): add, list, get, remove.
///
/// Changes run under the [#LOCK] lock. Lock order: a guest's lock before this one (never the
/// other way round), so a guest that gains a volume on a storage and the removal of that storage
/// are serialised: the removal either sees the guest's reference or the guest sees the storage gone.
///
/// Thread-safe.
public final class Storages {
    /// The lock guarding all storage definitions.
    public static final String LOCK = "storage";

    private final DatacenterRoot root;
    private final Locks locks;

    Storages(DatacenterRoot root, Locks locks) {
        this.root = root;
        this.locks = locks;
    }

    /// Adds a storage. Its directory must exist; its id must be new; no other storage may use the
    /// same directory (their volume names would collide), and to check that, every other storage
    /// definition must be readable.
    public void add(StorageConfig config) throws IOException {
        withLock(() -> {
            Path file = root.storageFile(config.id());
            if (Files.exists(file)) {
                throw new IOException("storage '" + config.id() + "' already exists (" + file + ")");
            }
            if (!Files.isDirectory(config.path())) {
                throw new NoSuchFileException(config.path().toString(), null, "directory of new storage '"
                        + config.id() + "' does not exist; create it first");
            }
            Path real = config.path().toRealPath();
            Listing<StorageConfig> all = list();
            failIfBroken(all, "cannot check the other storages' directories");
            for (StorageConfig other : all.items()) {
                if (Files.isDirectory(other.path()) && other.path().toRealPath().equals(real)) {
                    throw new IOException("storage '" + config.id() + "' would share directory " + real
                            + " with storage '" + other.id() + "'");
                }
            }
            ConfigFiles.create(file, config);
            return null;
        });
    }

    /// Every storage definition, sorted by id; unreadable files are reported in [Listing#broken()].
    public Listing<StorageConfig> list() throws IOException {
        return ConfigDirectory.readAll(root.storageDir(), StorageConfig.class, Comparator.comparing(StorageConfig::id),
                (file, c) -> file.getFileName().toString().equals(c.id() + ".json") ? null
                        : "it defines storage '" + c.id() + "' but is named " + file.getFileName());
    }

    /// The definition of storage `id`.
    ///
    /// @throws NotFoundException when there is none
    /// @throws ConfigException   when its file cannot be read
    public StorageConfig config(String id) throws IOException {
        Path file = root.storageFile(id);
        try {
            StorageConfig c = ConfigFiles.read(file, StorageConfig.class);
            if (!c.id().equals(id)) {
                throw new ConfigException(file, "it defines storage '" + c.id() + "' but is named " + file.getFileName());
            }
            return c;
        } catch (NoSuchFileException e) {
            throw new NotFoundException("storage '" + id + "' does not exist");
        }
    }

    /// Storage `id`, ready to use.
    public Storage get(String id) throws IOException {
        return new Storage(config(id));
    }

    /// Removes the definition of storage `id` (its directory and volumes stay on disk). Refused
    /// while any guest references it (a disk or a recorded fleecing image), and while any guest
    /// file is unreadable (it might).
    public void remove(String id) throws IOException {
        withLock(() -> {
            config(id);
            Listing<GuestConfig> guests = Guests.readAll(root);
            failIfBroken(guests, "cannot tell whether storage '" + id + "' is in use");
            List<String> users = new ArrayList<>();
            for (GuestConfig g : guests.items()) {
                List<String> vols = g.volumes().stream().filter(v -> v.storage().equals(id)).map(VolumeId::toString).toList();
                if (!vols.isEmpty()) {
                    users.add("guest " + g.vmid() + " (" + String.join(", ", vols) + ")");
                }
            }
            if (!users.isEmpty()) {
                throw new IOException("storage '" + id + "' is in use by " + String.join("; ", users)
                        + "; destroy those guests or move their volumes first");
            }
            Files.delete(root.storageFile(id));
            dev.shear.util.AtomicFiles.fsyncDirectory(root.storageDir());
            return null;
        });
    }

    /// Runs `work` holding the storage-definitions lock (see the lock order above).
    public <T> T withLock(IoCallable<T> work) throws IOException {
        return locks.withLock(LOCK, "the storage definitions", work);
    }

    static void failIfBroken(Listing<?> listing, String why) throws IOException {
        if (!listing.broken().isEmpty()) {
            throw new IOException(why + ": " + listing.broken().stream().map(Throwable::getMessage)
                    .collect(Collectors.joining("; ")));
        }
    }

    /// Storage ids referenced by `volumes` that are not defined, in order of first mention.
    List<String> undefined(Stream<VolumeId> volumes) {
        return volumes.map(VolumeId::storage).distinct().filter(id -> !Files.exists(root.storageFile(id))).toList();
    }
}
