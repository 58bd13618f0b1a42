package dev.shear.datacenter.archive;

import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/// The backup archives of a datacenter: every `dump/vzdump-qemu-*` directory on storages that hold
/// backups. Creating one marks it in progress; completing it writes the manifest last, atomically;
/// removing one deletes its manifest first, so a crash never leaves a "complete" archive with
/// missing images.
public final class Archives {
    private final Datacenter dc;

    public Archives(Datacenter dc) {
        this.dc = dc;
    }

    /// Every archive, by guest then time (oldest first).
    public List<Archive> list() throws IOException {
        List<Archive> all = new ArrayList<>();
        for (StorageConfig sc : dc.storages().list().items()) {
            if (sc.content().contains(Content.BACKUP)) {
                all.addAll(list(dc.storages().get(sc.id())));
            }
        }
        all.sort(Comparator.comparingInt((Archive a) -> a.name().vmid()).thenComparing(Archive::name)
                .thenComparing(Archive::storage));
        return all;
    }

    /// The archives of guest `vmid`, oldest first.
    public List<Archive> list(int vmid) throws IOException {
        return list().stream().filter(a -> a.name().vmid() == vmid).toList();
    }

    /// The archives on `storage`, oldest first.
    public List<Archive> list(Storage storage) throws IOException {
        Path dump = storage.backupDirectory();
        List<Archive> out = new ArrayList<>();
        if (!Files.isDirectory(dump)) {
            return out;
        }
        try (var entries = Files.list(dump)) {
            for (Path p : entries.toList()) {
                ArchiveName n = ArchiveName.parseOrNull(p.getFileName().toString());
                if (n != null && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new Archive(storage.id(), n, p));
                }
            }
        }
        out.sort(Comparator.comparing(Archive::name));
        return out;
    }

    /// The archive `storage:name`.
    ///
    /// @throws IllegalArgumentException when `id` is not of that form
    /// @throws NotFoundException        when there is no such archive
    public Archive find(String id) throws IOException {
        int colon = id.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("'" + id + "' does not name a backup: use <storage>:<archive>, "
                    + "e.g. backup:vzdump-qemu-100-2026_01_31-12_00_00 (see shear list)");
        }
        String storageId = id.substring(0, colon);
        ArchiveName name = ArchiveName.parse(id.substring(colon + 1));
        Storage storage = dc.storages().get(storageId);
        Path dir = storage.backupDirectory().resolve(name.toString());
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new NotFoundException("there is no backup " + id);
        }
        return new Archive(storageId, name, dir);
    }

    /// The newest complete archive of guest `vmid` on `storage`.
    public Optional<Archive> latestComplete(Storage storage, int vmid) throws IOException {
        List<Archive> l = list(storage);
        for (int i = l.size() - 1; i >= 0; i--) {
            Archive a = l.get(i);
            if (a.name().vmid() == vmid && a.state() == Archive.State.COMPLETE) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /// Creates a new, in-progress archive directory for guest `vmid` started at `time`.
    public Archive create(Storage storage, int vmid, LocalDateTime time) throws IOException {
        Path dump = Files.createDirectories(storage.backupDirectory());
        for (int seq = 0; seq < 10000; seq++) {
            ArchiveName name = new ArchiveName(vmid, time, seq);
            Path dir = dump.resolve(name.toString());
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            AtomicFiles.fsyncDirectory(dump);
            ConfigFiles.create(dir.resolve(Archive.IN_PROGRESS), ProcessOwner.current());
            return new Archive(storage.id(), name, dir);
        }
        throw new IOException("cannot find a free archive name for guest " + vmid + " in " + dump);
    }

    /// Makes `archive` complete: writes its manifest (atomically, last) and drops the in-progress mark.
    public void complete(Archive archive, Manifest manifest) throws IOException {
        ConfigFiles.create(archive.dir().resolve(Archive.MANIFEST), manifest);
        Files.deleteIfExists(archive.dir().resolve(Archive.IN_PROGRESS));
        AtomicFiles.fsyncDirectory(archive.dir());
    }

    /// Deletes `archive`: the manifest first (so it is never "complete" with files missing), then
    /// the rest, then the directory.
    public void remove(Archive archive) throws IOException {
        Files.deleteIfExists(archive.dir().resolve(Archive.MANIFEST));
        AtomicFiles.fsyncDirectory(archive.dir());
        try (var files = Files.list(archive.dir())) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(archive.dir());
        AtomicFiles.fsyncDirectory(archive.dir().getParent());
    }
}
