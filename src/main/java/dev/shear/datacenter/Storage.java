package dev.shear.datacenter;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.block.NativeFile;
import dev.shear.block.RawFileNode;
import dev.shear.block.RawOptions;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.block.qcow2.Qcow2Options;
import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/// A `dir` storage at work: where its volumes are, how much space it has, what its file system can
/// do, and allocating, opening and freeing volumes.
///
/// * **No path leaves the storage.** Every volume path comes from [#pathOf], which takes only a
///   validated [VolumeName] (no `/`, `..`, NUL or absolute names) and refuses a path whose real
///   location — after following symlinks in the file or any directory above it — is outside the
///   storage directory. (This guards against mistakes and planted links, not against someone who
///   swaps a link in the instant between the check and the use: such a person can write to the
///   storage anyway.)
/// * **Allocation never replaces a volume**: it fails when the name exists, and leaves no file
///   behind when it fails.
/// * A volume's format is its name's extension; [#open] never guesses from the content.
///
/// Thread-safe: the configuration never changes; detected capabilities are computed once.
public final class Storage {
    private static final System.Logger LOG = System.getLogger(Storage.class.getName());
    private static final Pattern STEM = Pattern.compile("vm-([0-9]+)-(disk|fleece)-([0-9]+)(?:\\..*)?");

    private final StorageConfig config;
    private final CapabilityProbe probe;

    /// A storage as `config` defines it. Nothing is checked on disk until used.
    public Storage(StorageConfig config) {
        this.config = config;
        this.probe = new CapabilityProbe(config.id());
    }

    /// Its definition.
    public StorageConfig config() {
        return config;
    }

    /// Its id.
    public String id() {
        return config.id();
    }

    /// The directory where backup archives go (`<path>/dump`; not created here).
    ///
    /// @throws IllegalStateException when the storage does not hold backups
    public Path backupDirectory() {
        if (!config.content().contains(Content.BACKUP)) {
            throw new IllegalStateException("storage '" + id() + "' does not hold backups (content: "
                    + config.content().stream().map(Content::id).toList() + ")");
        }
        return config.path().resolve("dump");
    }

    /// Size, usage and free space of the file system holding the storage.
    public SpaceUsage space() throws IOException {
        FileStore store = Files.getFileStore(existingDirectory());
        long total = store.getTotalSpace();
        return new SpaceUsage(total, total - store.getUnallocatedSpace(), store.getUsableSpace());
    }

    /// What the storage can do: each override in its definition wins, the rest is detected (once).
    public Capabilities capabilities() throws IOException {
        boolean thin = config.thin() != null ? config.thin() : probe.thin(existingDirectory());
        boolean discard = config.discard() != null ? config.discard() : probe.discard(existingDirectory());
        return new Capabilities(thin, discard);
    }

    /// What the file system can do, detected with test files, ignoring the overrides.
    public Capabilities detectCapabilities() throws IOException {
        Path dir = existingDirectory();
        return new Capabilities(probe.thin(dir), probe.discard(dir));
    }

    /// The path of volume `name` (`<path>/images/<vmid>/<name>`), checked to stay inside the storage.
    ///
    /// @throws IOException when the storage directory is missing, or when the path resolves (through
    ///                     a symlink) outside the storage directory or to a dangling link
    public Path pathOf(VolumeName name) throws IOException {
        Path base = existingDirectory().toRealPath();
        Path path = config.path().resolve("images").resolve(Integer.toString(name.vmid())).resolve(name.toString());
        Path existing = path;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (NoSuchFileException e) {
            throw new IOException("volume " + id() + ":" + name + ": " + existing
                    + " is a symbolic link to a missing target; refusing to use it", e);
        }
        if (!real.startsWith(base)) {
            throw new IOException("volume " + id() + ":" + name + ": " + existing + " resolves to " + real
                    + ", outside storage '" + id() + "' (" + base + "); refusing to follow the symbolic link");
        }
        return path;
    }

    /// True when volume `name` exists on this storage.
    public boolean exists(VolumeName name) throws IOException {
        return Files.exists(pathOf(name));
    }

    /// The volumes on this storage (regular files named like volumes in their guest's directory),
    /// sorted by guest, kind and index.
    public List<VolumeInfo> volumes() throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        Path images = existingDirectory().resolve("images");
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> guests = Files.list(images)) {
            for (Path dir : guests.sorted().toList()) {
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    out.addAll(volumesIn(dir));
                }
            }
        }
        out.sort(Comparator.comparing((VolumeInfo v) -> v.id().name().vmid())
                .thenComparing(v -> v.id().name().kind()).thenComparing(v -> v.id().name().index()));
        return out;
    }

    private List<VolumeInfo> volumesIn(Path dir) throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                VolumeName name = VolumeName.tryParse(f.getFileName().toString());
                if (name != null && dir.getFileName().toString().equals(Integer.toString(name.vmid()))
                        && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    try (NativeFile nf = NativeFile.open(f, false)) {
                        out.add(new VolumeInfo(new VolumeId(id(), name), Files.size(f), nf.allocatedBytes()));
                    }
                }
            }
        }
        return out;
    }

    /// The `count` lowest free names `vm-<vmid>-<kind>-<n>.<format>`: an index counts as taken when
    /// any file of that guest is named `vm-<vmid>-<kind>-<n>` with any extension (or none).
    public List<VolumeName> freeNames(int vmid, VolumeKind kind, ImageFormat format, int count) throws IOException {
        VolumeName.checkVmid(vmid);
        TreeSet<Integer> taken = new TreeSet<>();
        Path dir = pathOf(VolumeName.of(vmid, kind, 0, format)).getParent();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Matcher m = STEM.matcher(f.getFileName().toString());
                    if (m.matches() && m.group(1).equals(Integer.toString(vmid)) && m.group(2).equals(kind.word())
                            && m.group(3).length() < 10) {
                        taken.add(Integer.parseInt(m.group(3)));
                    }
                }
            }
        }
        List<VolumeName> names = new ArrayList<>();
        for (int i = 0; names.size() < count; i++) {
            if (!taken.contains(i)) {
                names.add(VolumeName.of(vmid, kind, i, format));
            }
        }
        return names;
    }

    /// Creates volume `name`: an empty image of exactly `size` bytes in the name's format (sparse
    /// raw, or qcow2 with 64 KiB clusters).
    ///
    /// @throws FileAlreadyExistsException when the volume exists (it is left as it is)
    /// @throws IllegalArgumentException   when the storage does not hold images, does not allow
    ///                                    the format, or the size is invalid for it
    public void allocate(VolumeName name, long size) throws IOException {
        allocateWithClusters(name, size, Qcow2Options.DEFAULT_CLUSTER_SIZE);
    }

    /// As [#allocate(VolumeName, long)], a qcow2 image getting `qcow2ClusterSize`-byte clusters
    /// (ignored for raw).
    public void allocateWithClusters(VolumeName name, long size, int qcow2ClusterSize) throws IOException {
        checkAllocation(name, size);
        Path path = pathOf(name);
        Files.createDirectories(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path.toString(), null, "volume " + id() + ":" + name + " already exists");
        }
        // both creators refuse an existing file and remove their own file when they fail
        BlockNode node = switch (name.format()) {
            case RAW -> RawFileNode.create(path, size);
            case QCOW2 -> Qcow2Node.create(path, Qcow2Options.of(size).withClusterSize(qcow2ClusterSize));
        };
        boolean done = false;
        try {
            node.close();
            AtomicFiles.fsyncDirectory(path.getParent());
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(path);
            }
        }
    }

    /// Throws [IllegalArgumentException] unless `name` of `size` bytes may be allocated here.
    void checkAllocation(VolumeName name, long size) {
        if (!config.content().contains(Content.IMAGES)) {
            throw new IllegalArgumentException("storage '" + id() + "' does not hold images (content: "
                    + config.content().stream().map(Content::id).toList() + ")");
        }
        if (!config.formats().contains(name.format())) {
            throw new IllegalArgumentException("storage '" + id() + "' does not allow format " + name.format().id()
                    + " (allowed: " + config.formats().stream().map(ImageFormat::id).toList() + ")");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("volume " + id() + ":" + name + ": size must be positive, got " + size);
        }
        if (name.format() == ImageFormat.QCOW2 && size % 512 != 0) {
            throw new IllegalArgumentException("volume " + id() + ":" + name + ": a qcow2 image's size must be a"
                    + " multiple of 512 bytes, got " + size + " (use raw for other sizes)");
        }
    }

    /// Opens volume `name` as a block node in the format its name says; the caller closes it.
    ///
    /// @throws NotFoundException when it does not exist
    public BlockNode open(VolumeName name, boolean writable) throws IOException {
        Path path = pathOf(name);
        if (!Files.exists(path)) {
            throw new NotFoundException("volume " + id() + ":" + name + " does not exist (" + path + ")");
        }
        return switch (name.format()) {
            case RAW -> RawFileNode.open(path, writable ? RawOptions.READ_WRITE : RawOptions.READ_ONLY);
            case QCOW2 -> Qcow2Node.open(path, writable);
        };
    }

    /// Deletes volume `name` (durably); false when there was none.
    public boolean free(VolumeName name) throws IOException {
        Path path = pathOf(name);
        if (!Files.deleteIfExists(path)) {
            return false;
        }
        AtomicFiles.fsyncDirectory(path.getParent());
        LOG.log(System.Logger.Level.DEBUG, "freed volume {0}:{1}", id(), name);
        return true;
    }

    private Path existingDirectory() throws IOException {
        Path dir = config.path();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "directory of storage '" + id() + "' is missing");
        }
        return dir;
    }

    @Override
    public String toString() {
        return "storage '" + id() + "' (" + config.path() + ")";
    }
}
