package dev.shear.block;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/// A raw image: a plain (usually sparse) file whose bytes are the disk's bytes.
///
/// What it guarantees beyond [BlockNode]:
/// * **Sparse.** [#create] makes a file with no blocks allocated. [#blockStatus] reports holes as
///   [BlockStatus.State#ZERO] and everything else as [BlockStatus.State#DATA] (from
///   `SEEK_DATA`/`SEEK_HOLE`; never `UNALLOCATED`: a raw file has no backing node).
/// * **Space is really released.** [#discard] and [#writeZeroes] with `mayUnmap` punch holes for the
///   whole file-system blocks inside the range and write zero bytes for the partial blocks at its
///   edges, so the range reads as zeroes either way. `writeZeroes` without `mayUnmap` keeps (or
///   creates) the allocation: `FALLOC_FL_ZERO_RANGE` where the file system has it, written zeroes
///   elsewhere.
/// * **Durability.** [#flush()] is `fsync`; a FUA write is followed by `fdatasync`.
/// * **Full storage** fails a write with [NoSpaceException] naming the file.
/// * **Read-only** nodes refuse writes, write-zeroes and discards with an [IOException] before
///   touching the file.
/// * **Interrupts** fail only the interrupted request; the node stays open (see [PositionalChannel]).
/// * **No readahead** on a writable image opened through the page cache (`POSIX_FADV_RANDOM`): it
///   is a live disk, a fleecing image or a target, read where guests and backups ask, and
///   readahead there only delays the small reads copy-before-write waits for
///   (`docs/decisions/0013-no-readahead-on-live-images.md`). Read-only images keep it.
///
/// [#clusterSize()] is the file system's block size (the hole-punching granularity). With
/// [RawOptions#direct()] the node uses `O_DIRECT` and [#alignment()] is that block size too; callers
/// may still pass any buffer (unaligned or heap buffers are copied through aligned ones).
///
/// Thread-safe: data I/O is positional on a shared descriptor, the rest are single system calls on
/// it; the only mutable fields are the volatile flags below.
public final class RawFileNode implements BlockNode {
    private static final int DEFAULT_BLOCK = 4096;

    private final Path path;
    private final RawOptions options;
    private final long size;
    private final int blockSize;
    private final PositionalChannel channel;
    /// Set once by close.
    private volatile boolean closed;
    /// Cleared (once) when the file system turns out not to support `FALLOC_FL_ZERO_RANGE`.
    private volatile boolean zeroRangeWorks = true;

    private RawFileNode(Path path, RawOptions options, long size, int blockSize, PositionalChannel channel) {
        this.path = path;
        this.options = options;
        this.size = size;
        this.blockSize = blockSize;
        this.channel = channel;
    }

    /// Creates a sparse raw image of exactly `size` bytes at `path` (which must not exist) and opens
    /// it read-write through the page cache.
    public static RawFileNode create(Path path, long size) throws IOException {
        return create(path, size, RawOptions.READ_WRITE);
    }

    /// Creates a sparse raw image of exactly `size` bytes at `path` (which must not exist) and opens
    /// it with `options`. On failure no file is left behind.
    public static RawFileNode create(Path path, long size, RawOptions options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (size < 0) {
            throw new IllegalArgumentException("size of new raw image " + path + " must not be negative: " + size);
        }
        try {
            Files.createFile(path);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create raw image " + path + ": the file already exists", e);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot create raw image " + path + ": its directory does not exist", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot create raw image " + path + ": " + reason(e), e);
        }
        boolean success = false;
        try {
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(size);
            }
            RawFileNode node = open(path, options);
            success = true;
            return node;
        } finally {
            if (!success) {
                Files.deleteIfExists(path);
            }
        }
    }

    /// Opens the existing raw image at `path`. Its size is the file's size now.
    public static RawFileNode open(Path path, RawOptions options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (Files.isDirectory(path)) {
            throw new IOException("cannot open raw image " + path + ": it is a directory");
        }
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new IOException("cannot open raw image " + path + ": it is not a regular file");
        }
        int block = blockSizeOf(path);
        PositionalChannel channel = openChannel(path, options, options.direct() ? block : 1);
        boolean success = false;
        try {
            long size = channel.size();
            if (options.direct() && size % block != 0) {
                throw new IOException("cannot open raw image " + path + " with direct I/O: its size " + size
                        + " is not a multiple of the file system's block size " + block);
            }
            RawFileNode node = new RawFileNode(path, options, size, block, channel);
            success = true;
            return node;
        } finally {
            if (!success) {
                channel.close();
            }
        }
    }

    private static PositionalChannel openChannel(Path path, RawOptions options, int align) throws IOException {
        String how = (options.writable() ? "read-write" : "read-only") + (options.direct() ? " with O_DIRECT" : "");
        try {
            return new PositionalChannel(path, options.writable(), align);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot open raw image " + path + ": the file does not exist", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot open raw image " + path + " " + how + ": permission denied", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot open raw image " + path + " " + how + ": " + reason(e), e);
        } catch (IOException e) {
            String hint = options.direct() ? " (does its file system support O_DIRECT?)" : "";
            throw new IOException("cannot open raw image " + path + " " + how + ": " + e.getMessage() + hint, e);
        }
    }

    private static String reason(FileSystemException e) {
        return e.getReason() != null ? e.getReason() : e.getMessage();
    }

    /// The file system's block size for `path` (a power of two), or 4096 when it reports none.
    private static int blockSizeOf(Path path) throws IOException {
        long bs;
        try {
            bs = Files.getFileStore(path).getBlockSize();
        } catch (NoSuchFileException e) {
            throw new IOException("cannot open raw image " + path + ": the file does not exist", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot open raw image " + path + ": " + reason(e), e);
        } catch (UnsupportedOperationException e) {
            return DEFAULT_BLOCK;
        }
        return bs >= 512 && bs <= (1 << 20) && Long.bitCount(bs) == 1 ? (int) bs : DEFAULT_BLOCK;
    }

    /// The file this node serves.
    public Path path() {
        return path;
    }

    /// The options it was opened with.
    public RawOptions options() {
        return options;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return blockSize;
    }

    @Override
    public int alignment() {
        return options.direct() ? blockSize : 1;
    }

    @Override
    public String describe() {
        return "raw file '" + path + "'" + (options.writable() ? "" : " (read-only)")
                + (options.direct() ? " (O_DIRECT)" : "");
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        channel.read(offset, dst);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, src.remaining());
        checkWritable("write");
        if (!src.hasRemaining()) {
            return;
        }
        channel.write(offset, src);
        if (fua) {
            channel.force(false);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        checkWritable("write zeroes");
        if (mayUnmap) {
            release(offset, length);
        } else {
            zeroKeepingAllocation(offset, length);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        checkWritable("discard");
        release(offset, length);
    }

    private void checkWritable(String what) throws IOException {
        if (!options.writable()) {
            throw new IOException(describe() + " is read-only: " + what + " refused");
        }
    }

    /// Punches a hole for the whole blocks of the range and writes zeroes on its partial edges.
    private void release(long offset, long length) throws IOException {
        long end = offset + length;
        long first = roundUp(offset);
        long last = end == size ? roundUp(end) : end / blockSize * blockSize;
        if (first >= last) {
            channel.writeZeroes(offset, length);
            return;
        }
        channel.writeZeroes(offset, first - offset);
        channel.file().punchHole(first, last - first);
        channel.writeZeroes(last, Math.max(0, end - last));
    }

    /// Zeroes the range so that its blocks stay allocated.
    private void zeroKeepingAllocation(long offset, long length) throws IOException {
        long end = offset + length;
        long first = roundUp(offset);
        long last = end == size ? roundUp(end) : end / blockSize * blockSize;
        if (first < last && zeroRangeWorks) {
            if (channel.file().zeroRange(first, last - first)) {
                channel.writeZeroes(offset, first - offset);
                channel.writeZeroes(last, Math.max(0, end - last));
                return;
            }
            zeroRangeWorks = false;
        }
        channel.writeZeroes(offset, length);
    }

    private long roundUp(long pos) {
        return (pos + blockSize - 1) / blockSize * blockSize;
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
        if (options.writable()) {
            channel.force(true);
        }
    }

    @Override
    public void startWriteback() throws IOException {
        Requests.checkOpen(closed, this);
        if (options.writable() && !options.direct()) {
            channel.file().startWriteback();
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        BlockStatus empty = Requests.checkStatusRequest(closed, this, offset, length);
        if (empty != null) {
            return empty;
        }
        long end = offset + length;
        long data = channel.file().seekData(offset);
        if (data < 0 || data >= end) {
            return new BlockStatus(BlockStatus.State.ZERO, offset, length);
        }
        if (data > offset) {
            return new BlockStatus(BlockStatus.State.ZERO, offset, data - offset);
        }
        long hole = channel.file().seekHole(offset);
        long runEnd = hole < 0 ? end : Math.min(hole, end);
        return new BlockStatus(BlockStatus.State.DATA, offset, runEnd - offset);
    }

    @Override
    public long allocatedBytes() throws IOException {
        Requests.checkOpen(closed, this);
        return channel.file().allocatedBytes();
    }

    /// Flushes (when writable) and closes the file. Idempotent; the file is closed even when the
    /// flush fails, and that failure is thrown.
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            if (options.writable()) {
                channel.force(true);
            }
        }
    }
}
