package dev.shear.block;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/// A POSIX file descriptor: positional data I/O (`pread`, `pwrite`, `fsync`, `fdatasync`), and
/// what `FileChannel` cannot do: punching holes and zeroing ranges (`fallocate`), finding data and
/// holes (`lseek` with `SEEK_DATA`/`SEEK_HOLE`), counting allocated blocks (`fstat`) and telling
/// the kernel the access pattern (`posix_fadvise`, which acts on this descriptor only, so data I/O
/// must use it too: see `docs/decisions/0013-no-readahead-on-live-images.md`).
/// Calls go through Java's foreign-function API (no JNI). A call is not interruptible: it is one
/// system call that returns when the kernel is done, so callers run them on platform threads.
///
/// Thread-safe: the descriptor never changes after open, each call is a single system call, and
/// close waits for calls in flight.
public final class NativeFile implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_DIRECT = 040000;
    private static final int POSIX_FADV_RANDOM = 1;
    private static final int EINTR = 4;
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    static final int ENOSPC = 28;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;
    /// `struct stat` on x86_64 glibc is 144 bytes; `st_blocks` (512-byte units) is at offset 64.
    private static final long STAT_SIZE = 144;
    private static final long ST_BLOCKS_OFFSET = 64;
    private static final long ST_SIZE_OFFSET = 48;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FALLOCATE = downcall("fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSEEK = downcall("lseek",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle FSTAT = downcall("fstat",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle PREAD = downcall("pread",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle PWRITE = downcall("pwrite",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FSYNC = downcall("fsync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FDATASYNC = downcall("fdatasync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SYNC_FILE_RANGE = downcall("sync_file_range",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    /// `posix_fadvise` returns the error number instead of setting errno.
    private static final MethodHandle FADVISE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("posix_fadvise").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)),
                    ValueLayout.JAVA_INT));

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] opts = new Linker.Option[extra.length + 1];
        opts[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, opts, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no " + name)), fd, opts);
    }

    private final Path path;
    private final int fd;
    /// Held shared by every call on [#fd], exclusively by [#close()].
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    /// Set once by close, under the write lock of [#closeLock]; calls after close fail with an
    /// IOException.
    private boolean closed;

    private NativeFile(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /// Opens `path` (which must exist) read-write, or read-only when `writable` is false.
    public static NativeFile open(Path path, boolean writable) throws IOException {
        return open(path, writable, false);
    }

    /// Opens `path` (which must exist) read-write or read-only, with `O_DIRECT` when `direct`.
    public static NativeFile open(Path path, boolean writable, boolean direct) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment name = arena.allocateFrom(path.toString());
            int flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | (direct ? O_DIRECT : 0);
            int fd = (int) OPEN.invokeExact(state, name, flags, 0);
            if (fd < 0) {
                int e = errno(state);
                throw switch (e) {
                    case ENOENT -> new NoSuchFileException(path.toString(), null, strerror(e));
                    case EACCES -> new AccessDeniedException(path.toString(), null, strerror(e));
                    default -> new FileSystemException(path.toString(), null, strerror(e));
                };
            }
            return new NativeFile(path, fd);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open " + path + ": " + t, t);
        }
    }

    /// Reads into `dst` (a direct buffer) at `offset`, once: returns the bytes read (0 at the end of
    /// the file) and advances `dst`'s position by them.
    public int pread(long offset, ByteBuffer dst) throws IOException {
        return transfer(offset, dst, false);
    }

    /// Writes from `src` (a direct buffer) at `offset`, once: returns the bytes written and advances
    /// `src`'s position by them. `ENOSPC` and `EDQUOT` become [NoSpaceException].
    public int pwrite(long offset, ByteBuffer src) throws IOException {
        return transfer(offset, src, true);
    }

    private int transfer(long offset, ByteBuffer buf, boolean write) throws IOException {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("native I/O needs a direct buffer");
        }
        int n = buf.remaining();
        if (n == 0) {
            return 0;
        }
        MemorySegment mem = MemorySegment.ofBuffer(buf);
        int done = onFd(write ? "pwrite" : "pread", state -> {
            while (true) {
                long r = write ? (long) PWRITE.invokeExact(state, fd, mem, (long) n, offset)
                        : (long) PREAD.invokeExact(state, fd, mem, (long) n, offset);
                if (r >= 0) {
                    return (int) r;
                }
                int e = errno(state);
                if (e == ENOSPC || e == EDQUOT) {
                    throw new NoSpaceException((e == ENOSPC ? "no space left on device" : "disk quota exceeded")
                            + " for " + path + " (writing " + n + " bytes at " + offset + ")");
                }
                if (e != EINTR) {
                    throw error((write ? "writing " : "reading ") + n + " bytes at " + offset
                            + (write ? " to" : " of"), path, e);
                }
            }
        });
        buf.position(buf.position() + done);
        return done;
    }

    /// `fsync` (with `metadata`) or `fdatasync`.
    public void sync(boolean metadata) throws IOException {
        onFd("fsync", state -> {
            int rc = metadata ? (int) FSYNC.invokeExact(state, fd) : (int) FDATASYNC.invokeExact(state, fd);
            if (rc != 0) {
                throw error("flushing", path, errno(state));
            }
            return null;
        });
    }

    /// Starts writing the file's dirty pages to storage and returns without waiting for them
    /// (`sync_file_range(SYNC_FILE_RANGE_WRITE)` over the whole file). Not a flush: it promises
    /// nothing about durability.
    public void startWriteback() throws IOException {
        onFd("sync_file_range", state -> {
            int rc = (int) SYNC_FILE_RANGE.invokeExact(state, fd, 0L, 0L, SYNC_FILE_RANGE_WRITE);
            if (rc != 0) {
                throw error("starting writeback of", path, errno(state));
            }
            return null;
        });
    }

    /// Tells the kernel that this descriptor reads at random (`POSIX_FADV_RANDOM`): reads fetch
    /// what they ask for and no readahead around it.
    public void adviseRandom() throws IOException {
        onFd("posix_fadvise", state -> {
            int rc = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_RANDOM);
            if (rc != 0) {
                throw error("posix_fadvise(RANDOM) on", path, rc);
            }
            return null;
        });
    }

    /// Deallocates `[offset, offset+length)` keeping the file size; the range then reads as zeroes.
    public void punchHole(long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        onFd("fallocate", state -> {
            int rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            if (rc != 0) {
                throw error("punching a hole at " + offset + "+" + length + " in", path, errno(state));
            }
            return null;
        });
    }

    /// Zeroes `[offset, offset+length)` keeping its blocks allocated (`FALLOC_FL_ZERO_RANGE`, as
    /// unwritten extents) and the file size. Returns false, changing nothing, when the file system
    /// cannot do it (`EOPNOTSUPP`, e.g. tmpfs); the caller then writes zeroes itself.
    public boolean zeroRange(long offset, long length) throws IOException {
        if (length == 0) {
            return true;
        }
        return onFd("fallocate", state -> {
            int rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
            if (rc == 0) {
                return true;
            }
            int e = errno(state);
            if (e == EOPNOTSUPP) {
                return false;
            }
            throw error("zeroing " + offset + "+" + length + " in", path, e);
        });
    }

    /// The first offset ≥ `offset` that holds data, or -1 when there is none before the end.
    public long seekData(long offset) throws IOException {
        return seek(offset, SEEK_DATA);
    }

    /// The first offset ≥ `offset` inside a hole (the file's end counts as a hole), or -1 past the end.
    public long seekHole(long offset) throws IOException {
        return seek(offset, SEEK_HOLE);
    }

    private long seek(long offset, int whence) throws IOException {
        return onFd("lseek", state -> {
            long r = (long) LSEEK.invokeExact(state, fd, offset, whence);
            if (r >= 0) {
                return r;
            }
            int e = errno(state);
            if (e == ENXIO) {
                return -1L;
            }
            throw error("seeking data/holes at " + offset + " in", path, e);
        });
    }

    /// Bytes of storage the file occupies (`st_blocks` × 512, what `du -B1` shows).
    public long allocatedBytes() throws IOException {
        return stat(ST_BLOCKS_OFFSET) * 512;
    }

    /// The file's length in bytes (`st_size`).
    public long size() throws IOException {
        return stat(ST_SIZE_OFFSET);
    }

    private long stat(long fieldOffset) throws IOException {
        return onFd("fstat", state -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment st = arena.allocate(STAT_SIZE, 8);
                int rc = (int) FSTAT.invokeExact(state, fd, st);
                if (rc != 0) {
                    throw error("fstat", path, errno(state));
                }
                return st.get(ValueLayout.JAVA_LONG, fieldOffset);
            }
        });
    }

    /// One system call on the descriptor; `state` receives its errno.
    @FunctionalInterface
    private interface FdCall<T> {
        T call(MemorySegment state) throws Throwable;
    }

    /// Runs `call` while the descriptor is open: [#close()] waits for calls in flight, so no call
    /// ever reaches a descriptor number that close freed (and the kernel may have given to another
    /// file).
    private <T> T onFd(String what, FdCall<T> call) throws IOException {
        closeLock.readLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (closed) {
                throw new IOException(path + " is closed");
            }
            return call.call(arena.allocate(CAPTURE));
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(what + " " + path + ": " + t, t);
        } finally {
            closeLock.readLock().unlock();
        }
    }

    /// Closes the descriptor once every call in flight has returned. Idempotent.
    @Override
    public void close() throws IOException {
        closeLock.writeLock().lock();
        try (Arena arena = Arena.ofConfined()) {
            if (closed) {
                return;
            }
            closed = true;
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            if (rc != 0) {
                throw error("close", path, errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("close " + path + ": " + t, t);
        } finally {
            closeLock.writeLock().unlock();
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /// The text of an errno value, as `strerror(3)` gives it.
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static IOException error(String what, Path path, int errno) {
        String msg = what + " " + path + ": " + strerror(errno);
        return errno == ENOSPC || errno == EDQUOT ? new NoSpaceException(msg) : new IOException(msg);
    }
}
