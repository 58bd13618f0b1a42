package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.Requests;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/// A raw file opened read-only as the backing node of a qcow2 image. Only what a backing node needs:
/// reads (and a whole-file DATA status); every change is refused.
final class RawBackingNode implements BlockNode {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private volatile boolean closed;

    private RawBackingNode(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    static RawBackingNode open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new RawBackingNode(path, ch, ch.size());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int clusterSize() {
        return 0;
    }

    @Override
    public String describe() {
        return "raw backing file " + path;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        long pos = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new IOException(describe() + " shrank below " + pos + " bytes while in use");
            }
            pos += n;
        }
    }

    private IOException readOnly() {
        return new IOException(describe() + " is a backing file and opened read-only");
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        throw readOnly();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        throw readOnly();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        throw readOnly();
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        return new BlockStatus(BlockStatus.State.DATA, offset, length);
    }

    @Override
    public long allocatedBytes() throws IOException {
        Requests.checkOpen(closed, this);
        return channel.size();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }
}
