package dev.shear.block;

import dev.shear.util.DirectBuffers;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/// Positional, all-or-error I/O on one file through one [NativeFile] descriptor, for [RawFileNode]
/// and the files under qcow2 images.
///
/// What it adds to the descriptor:
/// * **Full transfers.** Reads and writes loop until the buffer is done; a read that meets the end
///   of the file (someone truncated it) fails instead of returning short.
/// * **Interrupts fail only the interrupted request.** A request whose thread is interrupted fails
///   before it starts with an [InterruptedIOException] (the interrupt status kept); the file stays
///   open for every other request. A system call under way is not interrupted (it is one `pread` or
///   `pwrite`, and ends when the kernel is done).
/// * **Any buffer.** Heap buffers, and direct buffers not aligned for `O_DIRECT`, are copied through
///   aligned direct buffers of at most [#BOUNCE] bytes from the process's pool ([DirectBuffers]),
///   the smallest that holds the request: a 4 KiB write bounces through 4 KiB, and memory stays
///   bounded whatever the caller passes and however many threads call.
/// * **Errors name the file.** `ENOSPC`/`EDQUOT` become [NoSpaceException].
///
/// Thread-safe: positional I/O needs no lock.
public final class PositionalChannel implements AutoCloseable {
    /// The largest bounce buffer, and the largest piece of zeroes written at once.
    static final int BOUNCE = DirectBuffers.MAX;
    private static final int ZERO_ALIGN = 64 * 1024;
    /// One MiB of zeroes, aligned for any `O_DIRECT` block size up to 64 KiB; never written into,
    /// and only duplicates of it are handed out, so its position never moves.
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(BOUNCE + ZERO_ALIGN).alignedSlice(ZERO_ALIGN)
            .limit(BOUNCE).asReadOnlyBuffer();

    private final Path path;
    private final NativeFile file;
    private final int alignment;

    /// Opens `path` read-write or read-only, with `O_DIRECT` when `alignment` is more than 1 (then
    /// buffers, positions and lengths must be multiples of it). A writable file opened through the
    /// page cache gets no readahead (`POSIX_FADV_RANDOM`): it is a live disk, a fleecing image or a
    /// backup target (`docs/decisions/0013-no-readahead-on-live-images.md`).
    public PositionalChannel(Path path, boolean writable, int alignment) throws IOException {
        if (alignment > ZERO_ALIGN) {
            throw new IOException("direct I/O block size " + alignment + " of " + path + " is larger than "
                    + ZERO_ALIGN + " bytes, which Shear does not support");
        }
        this.path = path;
        this.alignment = alignment;
        this.file = NativeFile.open(path, writable, alignment > 1);
        if (writable && alignment == 1) {
            try {
                file.adviseRandom();                 // no readahead on live images: decision 0013
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
    }

    /// The descriptor, for what is not data I/O (holes, block status, advice).
    public NativeFile file() {
        return file;
    }

    /// The file's current length.
    public long size() throws IOException {
        return file.size();
    }

    /// Reads `dst.remaining()` bytes at `pos`.
    public void read(long pos, ByteBuffer dst) throws IOException {
        transfer(pos, dst, false, false);
    }

    /// Reads `dst.remaining()` bytes at `pos`; bytes past the end of the file read as zeroes.
    public void readZeroPadded(long pos, ByteBuffer dst) throws IOException {
        transfer(pos, dst, false, true);
    }

    /// Writes `src.remaining()` bytes at `pos`.
    public void write(long pos, ByteBuffer src) throws IOException {
        transfer(pos, src, true, false);
    }

    /// Writes `length` zero bytes at `pos` (allocating them, as any write does).
    public void writeZeroes(long pos, long length) throws IOException {
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(length - done, BOUNCE);
            write(pos + done, ZEROES.duplicate().limit(n));
            done += n;
        }
    }

    /// `fsync` (with `metadata`) or `fdatasync`.
    public void force(boolean metadata) throws IOException {
        file.sync(metadata);
    }

    /// Moves `buf.remaining()` bytes between `buf` and the file at `pos`, through bounce buffers
    /// when the descriptor cannot take `buf` itself.
    private void transfer(long pos, ByteBuffer buf, boolean write, boolean pad) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException((write ? "write to " : "read of ") + path
                    + " not started: the thread was interrupted (the file stays open for other requests)");
        }
        if (!buf.hasRemaining()) {
            return;
        }
        if (!needsBounce(buf)) {
            if (write) {
                writeFully(pos, buf);
            } else {
                readFully(pos, buf, pad);
            }
            return;
        }
        ByteBuffer b = DirectBuffers.take(Math.min(buf.remaining(), BOUNCE), Math.max(alignment, 1));
        try {
            long at = pos;
            while (buf.hasRemaining()) {
                int n = Math.min(buf.remaining(), b.capacity());
                b.clear().limit(n);
                if (write) {
                    b.put(0, buf, buf.position(), n);
                    writeFully(at, b);
                    buf.position(buf.position() + n);
                } else {
                    readFully(at, b, pad);
                    buf.put(b.flip());
                }
                at += n;
            }
        } finally {
            DirectBuffers.give(b);
        }
    }

    private void readFully(long pos, ByteBuffer dst, boolean pad) throws IOException {
        for (long at = pos; dst.hasRemaining(); ) {
            int n = file.pread(at, dst);
            if (n == 0 && pad) {
                while (dst.hasRemaining()) {
                    dst.put(ZEROES.duplicate().limit(Math.min(dst.remaining(), BOUNCE)));
                }
                return;
            }
            if (n == 0) {
                throw new IOException("reading " + path + " at " + pos + ": the file ends at " + at
                        + ", before the node's end (was it truncated by another program?)");
            }
            at += n;
        }
    }

    private void writeFully(long pos, ByteBuffer src) throws IOException {
        for (long at = pos; src.hasRemaining(); ) {
            at += file.pwrite(at, src);
        }
    }

    private boolean needsBounce(ByteBuffer b) {
        return !b.isDirect() || (alignment > 1 && b.alignmentOffset(b.position(), alignment) != 0);
    }


    @Override
    public void close() throws IOException {
        file.close();
    }
}
