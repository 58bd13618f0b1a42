package dev.shear.datacenter.jobs;

import dev.shear.datacenter.ProcessOwner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/// An exclusive claim on a lock file, held by this process until [#close()] (from any thread): a
/// job's run, the datacenter's scheduler. Unlike a [dev.shear.datacenter.Locks] lock it is not
/// tied to a thread and is never waited for: it is free or it is not. The kernel drops it when the
/// process dies, however it dies, so a crash never leaves a job "running".
///
/// While held, the file names its holder ([ProcessOwner]) for messages. A POSIX lock is dropped
/// when its process closes *any* descriptor of the file, so this class keeps one channel per held
/// claim, JVM-wide, and never opens a file this JVM holds. Thread-safe.
final class FileClaim implements AutoCloseable {
    /// JVM-wide: claimed file (absolute, normalized) → the channel holding it. Guarded by the class monitor.
    private static final Map<Path, FileChannel> HELD = new HashMap<>();

    private final Path file;

    private FileClaim(Path file) {
        this.file = file;
    }

    /// Claims `file` (creating it and its directory), or returns empty when this or another
    /// process holds it.
    static Optional<FileClaim> tryClaim(Path file) throws IOException {
        Path f = file.toAbsolutePath().normalize();
        Files.createDirectories(f.getParent());
        synchronized (FileClaim.class) {
            if (HELD.containsKey(f)) {
                return Optional.empty();
            }
            FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            boolean kept = false;
            try {
                FileLock lock = ch.tryLock();
                if (lock == null) {
                    return Optional.empty();
                }
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((ProcessOwner.current() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                HELD.put(f, ch);
                kept = true;
                return Optional.of(new FileClaim(f));
            } finally {
                if (!kept) {
                    ch.close();
                }
            }
        }
    }

    /// Who holds `file` ("pid 1234 on host, started …"), or empty when nobody does.
    static Optional<String> holder(Path file) throws IOException {
        Path f = file.toAbsolutePath().normalize();
        synchronized (FileClaim.class) {
            if (HELD.containsKey(f)) {
                return Optional.of("this process (" + ProcessOwner.current() + ")");
            }
            if (!Files.exists(f)) {
                return Optional.empty();
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock probe = ch.tryLock();
                if (probe != null) {
                    probe.release();
                    return Optional.empty();
                }
                ByteBuffer buf = ByteBuffer.allocate(512);
                ch.read(buf, 0);
                String note = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
                return Optional.of(note.isEmpty() ? "another process" : note);
            } catch (NoSuchFileException gone) {
                return Optional.empty();
            }
        }
    }

    /// Gives the claim up (clearing the holder's name first).
    @Override
    public void close() throws IOException {
        synchronized (FileClaim.class) {
            FileChannel ch = HELD.remove(file);
            if (ch != null) {
                try (ch) {
                    ch.truncate(0);
                }
            }
        }
    }
}
