package dev.shear.block.qcow2;

import dev.shear.block.NativeFile;
import dev.shear.block.NoSpaceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/// A [HostFile] on a [FileChannel] for data and a [NativeFile] for holes and `st_blocks`.
final class ChannelHostFile implements HostFile {
    private final Path path;
    private final FileChannel channel;
    private final NativeFile nativeFile;
    /// The file size: read at open, raised by writes past the end (no one else writes the file).
    private final AtomicLong size;

    private ChannelHostFile(Path path, FileChannel channel, NativeFile nativeFile) throws IOException {
        this.path = path;
        this.channel = channel;
        this.nativeFile = nativeFile;
        this.size = new AtomicLong(channel.size());
    }

    /// Opens an existing file, read-write when `writable`.
    static ChannelHostFile open(Path path, boolean writable) throws IOException {
        OpenOption[] opts = writable
                ? new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
                : new OpenOption[] {StandardOpenOption.READ};
        FileChannel ch = FileChannel.open(path, opts);
        try {
            return new ChannelHostFile(path, ch, NativeFile.open(path, writable));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            pos += n;
        }
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        long pos = position;
        try {
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        } catch (IOException e) {
            String msg = e.getMessage();
            if (msg != null && msg.contains("No space left on device")) {
                NoSpaceException full = new NoSpaceException("writing " + path + " at " + position + ": " + msg);
                full.initCause(e);
                throw full;
            }
            throw new IOException("writing " + path + " at " + position + ": " + msg, e);
        } finally {
            long end = pos;
            size.accumulateAndGet(end, Math::max);
        }
    }

    @Override
    public long size() {
        return size.get();
    }

    @Override
    public void force() throws IOException {
        channel.force(true);
    }

    @Override
    public void punchHole(long position, long length) throws IOException {
        nativeFile.punchHole(position, length);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return nativeFile.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        try (nativeFile) {
            channel.close();
        }
    }
}
