package dev.shear.datacenter.vzdump;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/// Which files live processes hold open, read from the `/proc/<pid>/fd/*` links (what `lsof` and
/// `fuser` read).
///
/// **Limitation**: a process's descriptors are readable only by its owner (and root). Run as an
/// ordinary user, this sees the files open in that user's processes — which include every Shear
/// process of that user — but not those of other users; [#unreadable()] counts the processes it
/// could not look into, so a caller can say so. Files only memory-mapped, or held by another
/// machine (NFS), are not seen either.
final class OpenFiles {
    private static final Path PROC = Path.of("/proc");

    private final Set<Path> open;
    private final int unreadable;

    private OpenFiles(Set<Path> open, int unreadable) {
        this.open = Set.copyOf(open);
        this.unreadable = unreadable;
    }

    /// The files open right now, in every process whose descriptors this process may read.
    static OpenFiles now() throws IOException {
        Set<Path> open = new HashSet<>();
        int unreadable = 0;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, OpenFiles::isPid)) {
            for (Path proc : procs) {
                if (!readLinks(proc.resolve("fd"), open)) {
                    unreadable++;
                }
            }
        }
        return new OpenFiles(open, unreadable);
    }

    private static boolean isPid(Path p) {
        String n = p.getFileName().toString();
        return !n.isEmpty() && n.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /// Adds the targets of the links in `fdDir` to `open`; false when the directory cannot be read
    /// (not our process). A process that exits meanwhile has nothing open: true.
    private static boolean readLinks(Path fdDir, Set<Path> open) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    open.add(Files.readSymbolicLink(fd));
                } catch (NoSuchFileException closedMeanwhile) {
                    continue;
                }
            }
            return true;
        } catch (NoSuchFileException exited) {
            return true;
        } catch (IOException notOurs) {
            return false;
        }
    }

    /// True when some process holds `file` open (false when it does not exist).
    boolean isOpen(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        return open.contains(file.toRealPath());
    }

    /// True when some process holds a file of directory `dir` open.
    boolean anyOpenIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        Path real = dir.toRealPath();
        return open.stream().anyMatch(p -> real.equals(p.getParent()));
    }

    /// How many processes' descriptors could not be read (other users' processes, when not root).
    int unreadable() {
        return unreadable;
    }
}
