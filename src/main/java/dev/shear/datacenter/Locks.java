package dev.shear.datacenter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/// Named locks that exclude other threads of this JVM *and* other processes: a lock is an in-JVM
/// [ReentrantLock] plus an exclusive `fcntl` lock ([FileChannel#tryLock()]) on `<dir>/<name>.lock`.
/// Both are needed: a [FileLock] is held by the whole JVM, so it cannot keep two threads apart, and
/// a JVM may hold a given file's lock only once.
///
/// * **Bounded wait.** A lock not free within the wait bound fails with a
///   [LockUnavailableException] ("guest 100's config is locked by another operation (pid …); try
///   again"); the work is not run.
/// * **Reentrant.** A thread that holds a lock may take it again (the file lock is taken once).
/// * **Crash-safe.** The kernel drops the file lock when the holding process dies, however it dies;
///   nothing needs cleaning up. Lock files are never deleted (deleting one while another process
///   waits on it would let two processes hold "the same" lock).
/// * While held, the lock file names its holder (a [ProcessOwner]), for the message above.
/// * **One descriptor per lock file.** A POSIX record lock is dropped when its process closes
///   *any* descriptor of the file, so this class never opens a lock file that another thread of
///   this JVM may hold locked: it reads the holder's note only through its own channel, and only
///   while no thread of this JVM holds the lock.
///
/// Thread-safe.
public final class Locks {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /// One entry per lock file (by real path) for the whole JVM: two Locks objects over the same
    /// directory must share the in-JVM half.
    private static final ConcurrentHashMap<Path, Entry> ENTRIES = new ConcurrentHashMap<>();

    private final Path dir;
    private final Duration wait;

    /// Locks whose files live in `dir` (created if missing), waiting at most `wait` for each.
    public Locks(Path dir, Duration wait) throws IOException {
        if (wait.isNegative()) {
            throw new IllegalArgumentException("lock wait must not be negative: " + wait);
        }
        Files.createDirectories(dir);
        this.dir = dir.toRealPath();
        this.wait = wait;
    }

    /// How long a lock is waited for before giving up.
    public Duration waitBound() {
        return wait;
    }

    /// Runs `work` holding lock `name` (lower-case letters, digits and `-`); `subject` says what
    /// the lock guards, for the message when it is not free ("guest 100's config").
    public <T> T withLock(String name, String subject, IoCallable<T> work) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid lock name '" + name + "'");
        }
        Entry e = ENTRIES.computeIfAbsent(dir.resolve(name + ".lock"), Entry::new);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!e.jvm.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw unavailable(subject, e.note);
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock of " + subject);
        }
        boolean fileHeld = false;
        try {
            if (e.jvm.getHoldCount() == 1) {
                e.acquireFile(deadline, subject);
                fileHeld = true;
            }
            return work.call();
        } finally {
            try {
                if (fileHeld) {
                    e.releaseFile();
                }
            } finally {
                e.jvm.unlock();
            }
        }
    }

    private static LockUnavailableException unavailable(String subject, String holder) {
        return new LockUnavailableException(subject + " is locked by another operation"
                + (holder.isEmpty() ? "" : " (" + holder + ")") + "; try again");
    }

    /// The two halves of one lock file's lock.
    private static final class Entry {
        final Path file;
        final ReentrantLock jvm = new ReentrantLock();
        /// Guarded by [#jvm]: open while this JVM holds the file lock, else null.
        private FileChannel channel;
        /// Who holds the lock in this JVM ("" when no one): written under [#jvm], read without it
        /// by threads that time out.
        volatile String note = "";

        Entry(Path file) {
            this.file = file;
        }

        /// Takes the file lock, polling until `deadline`. Caller holds [#jvm].
        void acquireFile(long deadline, String subject) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            boolean done = false;
            try {
                long pause = TimeUnit.MILLISECONDS.toNanos(2);
                while (ch.tryLock() == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw unavailable(subject, holderNote(ch));
                    }
                    TimeUnit.NANOSECONDS.sleep(Math.min(left, pause));
                    pause = Math.min(pause * 2, MAX_POLL_NANOS);
                }
                String me = ProcessOwner.current().toString();
                ch.truncate(0);
                ch.write(ByteBuffer.wrap((me + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                channel = ch;
                note = me;
                done = true;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the lock of " + subject);
            } finally {
                if (!done) {
                    ch.close();
                }
            }
        }

        /// Clears the holder note and drops the file lock (closing the channel releases it).
        /// Caller holds [#jvm].
        void releaseFile() throws IOException {
            FileChannel ch = channel;
            channel = null;
            note = "";
            try (ch) {
                ch.truncate(0);
            }
        }

        /// Who holds the lock, as the holder (another process) wrote it into the file, read
        /// through our own unlocked channel `ch`.
        private static String holderNote(FileChannel ch) {
            try {
                ByteBuffer buf = ByteBuffer.allocate(512);
                ch.read(buf, 0);
                return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                return "holder unknown: " + e.getMessage();
            }
        }
    }
}
