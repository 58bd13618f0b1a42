package dev.shear.block.qcow2;

import dev.shear.block.PositionalChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/// A [HostFile] on a [PositionalChannel]: one descriptor for data, holes and `st_blocks` (no
/// readahead when writable, as the channel does).
final class ChannelHostFile implements HostFile {
    private final Path path;
    private final PositionalChannel channel;
    /// The file size: read at open, raised by writes past the end (no one else writes the file).
    private final AtomicLong size;

    private ChannelHostFile(Path path, PositionalChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = new AtomicLong(channel.size());
    }

    /// Opens an existing file, read-write when `writable`.
    static ChannelHostFile open(Path path, boolean writable) throws IOException {
        PositionalChannel ch = new PositionalChannel(path, writable, 1);
        try {
            return new ChannelHostFile(path, ch);
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
        channel.readZeroPadded(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        int n = src.remaining();
        channel.write(position, src);
        size.accumulateAndGet(position + n, Math::max);
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
    public void startWriteback() throws IOException {
        channel.file().startWriteback();
    }

    @Override
    public void punchHole(long position, long length) throws IOException {
        channel.file().punchHole(position, length);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return channel.file().allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
