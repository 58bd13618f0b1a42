package dev.shear.block;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/// Positional, all-or-error I/O on one file through a [FileChannel], for [RawFileNode].
///
/// What it adds to the channel:
/// * **Full transfers.** Reads and writes loop until the buffer is done; a read that meets the end
///   of the file (someone truncated it) fails instead of returning short.
/// * **Interrupts do not break the file.** A `FileChannel` closes itself when a thread is
///   interrupted during I/O, which would fail every other user of the node. Here the channel is
///   reopened: the interrupted caller gets an [InterruptedIOException] (its interrupt status kept),
///   callers caught by the close retry on the new channel.
/// * **Any buffer.** Heap buffers, and direct buffers not aligned for `O_DIRECT`, are copied through
///   pooled aligned direct buffers of at most [#BOUNCE] bytes (so memory stays bounded whatever the
///   caller passes and whichever thread calls; the JDK's own per-thread cache would keep one
///   temporary buffer per thread and request size).
/// * **Errors name the file.** `ENOSPC`/`EDQUOT` become [NoSpaceException].
///
/// Thread-safe: positional `FileChannel` I/O needs no lock; [#channel] is replaced only under
/// [#reopenLock].
final class PositionalChannel implements AutoCloseable {
    /// The largest bounce buffer, and the largest piece of zeroes written at once.
    static final int BOUNCE = 1 << 20;
    private static final int MAX_SPARE = 8;
    private static final int ZERO_ALIGN = 64 * 1024;
    /// One MiB of zeroes, aligned for any `O_DIRECT` block size up to 64 KiB; only duplicates of it
    /// are handed to the channel, so its position never moves.
    private static final ByteBuffer ZEROES =
            ByteBuffer.allocateDirect(BOUNCE + ZERO_ALIGN).alignedSlice(ZERO_ALIGN).limit(BOUNCE).asReadOnlyBuffer();

    private final Path path;
    private final Set<OpenOption> options;
    private final int alignment;
    private final Object reopenLock = new Object();
    /// The open channel; replaced (after an interrupt closed it) and closed only under [#reopenLock].
    private volatile FileChannel channel;
    /// Set once, under [#reopenLock], by [#close()].
    private volatile boolean closed;
    /// Aligned direct buffers of [#BOUNCE] bytes ready for reuse; [#spareCount] bounds it loosely.
    private final ConcurrentLinkedQueue<ByteBuffer> spare = new ConcurrentLinkedQueue<>();
    private final AtomicInteger spareCount = new AtomicInteger();

    /// Opens `path` with `options` (which the caller has validated); `alignment` is 1, or the
    /// `O_DIRECT` block size that buffers, positions and lengths must respect.
    PositionalChannel(Path path, Set<OpenOption> options, int alignment) throws IOException {
        if (alignment > ZERO_ALIGN) {
            throw new IOException("direct I/O block size " + alignment + " of " + path + " is larger than "
                    + ZERO_ALIGN + " bytes, which Shear does not support");
        }
        this.path = path;
        this.options = Set.copyOf(options);
        this.alignment = alignment;
        this.channel = FileChannel.open(path, options);
    }

    /// The file's current length.
    long size() throws IOException {
        return ioLong(FileChannel::size);
    }

    /// Reads `dst.remaining()` bytes at `pos`.
    void read(long pos, ByteBuffer dst) throws IOException {
        try {
            transfer(pos, dst, false);
        } catch (InterruptedIOException | NoSpaceException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("reading " + path + " at " + pos + ": " + e.getMessage(), e);
        }
    }

    /// Writes `src.remaining()` bytes at `pos`.
    void write(long pos, ByteBuffer src) throws IOException {
        int length = src.remaining();
        try {
            transfer(pos, src, true);
        } catch (InterruptedIOException | NoSpaceException e) {
            throw e;
        } catch (IOException e) {
            if (isNoSpace(e)) {
                NoSpaceException full = new NoSpaceException("no space left on device for " + path
                        + " (writing " + length + " bytes at " + pos + ")");
                full.initCause(e);
                throw full;
            }
            throw new IOException("writing " + length + " bytes to " + path + " at " + pos + ": " + e.getMessage(), e);
        }
    }

    /// Writes `length` zero bytes at `pos` (allocating them, as any write does).
    void writeZeroes(long pos, long length) throws IOException {
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(length - done, BOUNCE);
            write(pos + done, ZEROES.duplicate().limit(n));
            done += n;
        }
    }

    /// `fsync` (with `metadata`) or `fdatasync`.
    void force(boolean metadata) throws IOException {
        try {
            io(ch -> {
                ch.force(metadata);
                return 0;
            });
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("flushing " + path + ": " + e.getMessage(), e);
        }
    }

    /// Moves `buf.remaining()` bytes between `buf` and the file at `pos`, through bounce buffers
    /// when the channel cannot take `buf` itself.
    private void transfer(long pos, ByteBuffer buf, boolean write) throws IOException {
        if (!needsBounce(buf)) {
            if (write) {
                writeFully(pos, buf);
            } else {
                readFully(pos, buf);
            }
            return;
        }
        ByteBuffer b = take();
        try {
            long at = pos;
            while (buf.hasRemaining()) {
                int n = Math.min(buf.remaining(), BOUNCE);
                b.clear().limit(n);
                if (write) {
                    b.put(0, buf, buf.position(), n);
                    writeFully(at, b);
                    buf.position(buf.position() + n);
                } else {
                    readFully(at, b);
                    buf.put(b.flip());
                }
                at += n;
            }
        } finally {
            give(b);
        }
    }

    private void readFully(long pos, ByteBuffer dst) throws IOException {
        for (long at = pos; dst.hasRemaining(); ) {
            long where = at;
            int n = io(ch -> ch.read(dst, where));
            if (n < 0) {
                throw new IOException("the file ends at " + where + ", before the node's end "
                        + "(was it truncated by another program?)");
            }
            at += n;
        }
    }

    private void writeFully(long pos, ByteBuffer src) throws IOException {
        for (long at = pos; src.hasRemaining(); ) {
            long where = at;
            at += io(ch -> ch.write(src, where));
        }
    }

    private boolean needsBounce(ByteBuffer b) {
        return !b.isDirect() || (alignment > 1 && b.alignmentOffset(b.position(), alignment) != 0);
    }

    private ByteBuffer take() {
        ByteBuffer b = spare.poll();
        if (b != null) {
            spareCount.decrementAndGet();
            return b;
        }
        int align = Math.max(alignment, 4096);
        return ByteBuffer.allocateDirect(BOUNCE + align).alignedSlice(align).limit(BOUNCE);
    }

    private void give(ByteBuffer b) {
        if (spareCount.incrementAndGet() <= MAX_SPARE) {
            spare.add(b);
        } else {
            spareCount.decrementAndGet();
        }
    }

    /// One channel operation; `io` runs it again on a reopened channel when another thread's
    /// interrupt closed the channel under it.
    @FunctionalInterface
    private interface ChannelOp {
        long run(FileChannel ch) throws IOException;
    }

    private int io(ChannelOp op) throws IOException {
        return (int) ioLong(op);
    }

    private long ioLong(ChannelOp op) throws IOException {
        while (true) {
            FileChannel ch = channel;
            try {
                return op.run(ch);
            } catch (ClosedByInterruptException e) {
                reopenAfter(ch);
                InterruptedIOException ie = new InterruptedIOException("I/O on " + path
                        + " was interrupted (the file stays open for other requests)");
                ie.initCause(e);
                throw ie;
            } catch (ClosedChannelException e) {
                if (closed) {
                    throw new IOException(path + " is closed", e);
                }
                reopenAfter(ch);
            }
        }
    }

    private void reopenAfter(FileChannel broken) throws IOException {
        synchronized (reopenLock) {
            if (closed) {
                throw new IOException(path + " is closed");
            }
            if (channel == broken) {
                channel = FileChannel.open(path, options);
            }
        }
    }

    /// True when `e` (from a write) is the kernel's "no space" or "quota exceeded" error; the JDK
    /// reports it only as the `strerror` text, which is locale-dependent, so compare with libc's.
    static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        if (m == null) {
            return false;
        }
        return m.contains("No space left on device") || m.contains("Disk quota exceeded")
                || m.contains(NativeFile.strerror(NativeFile.ENOSPC))
                || m.contains(NativeFile.strerror(NativeFile.EDQUOT));
    }

    @Override
    public void close() throws IOException {
        synchronized (reopenLock) {
            closed = true;
            channel.close();
        }
    }
}
