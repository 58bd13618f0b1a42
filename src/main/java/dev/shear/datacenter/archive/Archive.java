package dev.shear.datacenter.archive;

import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.ProcessOwner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/// One backup archive on a storage: a directory holding one qcow2 image per disk, the manifest
/// (last), and while being written an `inprogress.json` naming the writing process.
///
/// @param storage the backup storage's id
/// @param name    the archive's name
/// @param dir     its directory
public record Archive(String storage, ArchiveName name, Path dir) {
    static final String MANIFEST = "manifest.json";
    static final String IN_PROGRESS = "inprogress.json";
    static final String VERIFY = "verify.json";

    /// How far an archive got.
    public enum State {
        /// The manifest is there: restorable.
        COMPLETE,
        /// Being written by a live process.
        IN_PROGRESS,
        /// No manifest and no live writer: a backup that died; never restorable, removed by cleanup/prune.
        INCOMPLETE
    }

    /// `storage:name`, how users name an archive.
    public String id() {
        return storage + ":" + name;
    }

    /// The manifest; empty when the archive is not complete.
    ///
    /// @throws dev.shear.datacenter.ConfigException when the manifest is damaged
    public Optional<Manifest> manifest() throws IOException {
        return ConfigFiles.readIfExists(dir.resolve(MANIFEST), Manifest.class);
    }

    /// The manifest of a complete archive.
    public Manifest requireManifest() throws IOException {
        return manifest().orElseThrow(() -> new IOException("backup " + id()
                + " is incomplete (it has no manifest): it cannot be restored or verified"));
    }

    /// The manifest of a complete archive that is about to be `action` ("restored", "verified").
    ///
    /// @throws IllegalStateException when the archive is incomplete or still being written (a
    ///                               refusal: nothing was changed)
    /// @throws dev.shear.datacenter.ConfigException when the manifest is damaged
    public Manifest requireComplete(String action) throws IOException {
        Optional<Manifest> m = manifest();
        if (m.isPresent()) {
            return m.get();
        }
        Optional<ProcessOwner> writer = writer();
        if (writer.isPresent() && writer.get().isAlive()) {
            throw new IllegalStateException("backup " + id() + " is still being written (by " + writer.get()
                    + "); it can be " + action + " once it is complete");
        }
        throw new IllegalStateException("backup " + id() + " is incomplete (it has no manifest: the backup did not"
                + " finish), so it cannot be " + action + "; 'shear cleanup' or 'shear prune' removes it");
    }

    /// The state now.
    public State state() throws IOException {
        if (Files.exists(dir.resolve(MANIFEST))) {
            return State.COMPLETE;
        }
        Optional<ProcessOwner> writer = writer();
        return writer.isPresent() && writer.get().isAlive() ? State.IN_PROGRESS : State.INCOMPLETE;
    }

    /// The process writing it, while in progress.
    public Optional<ProcessOwner> writer() throws IOException {
        try {
            return ConfigFiles.readIfExists(dir.resolve(IN_PROGRESS), ProcessOwner.class);
        } catch (dev.shear.datacenter.ConfigException e) {
            return Optional.empty();
        }
    }

    /// The last verification, if any.
    public Optional<Verification> verification() throws IOException {
        try {
            return ConfigFiles.readIfExists(dir.resolve(VERIFY), Verification.class);
        } catch (dev.shear.datacenter.ConfigException e) {
            return Optional.empty();
        }
    }

    /// Records a verification result.
    public void recordVerification(Verification v) throws IOException {
        Files.deleteIfExists(dir.resolve(VERIFY));
        ConfigFiles.create(dir.resolve(VERIFY), v);
    }

    /// The image file of a disk in this archive.
    public Path image(String file) {
        if (file.contains("/") || file.contains("\0") || file.equals("..") || file.equals(".")) {
            throw new IllegalArgumentException("bad image name '" + file + "' in backup " + id());
        }
        return dir.resolve(file);
    }

    /// Bytes the archive occupies on disk.
    public long sizeOnDisk() throws IOException {
        long total = 0;
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p)) {
                    try (dev.shear.block.NativeFile nf = dev.shear.block.NativeFile.open(p, false)) {
                        total += nf.allocatedBytes();
                    }
                }
            }
        }
        return total;
    }
}
