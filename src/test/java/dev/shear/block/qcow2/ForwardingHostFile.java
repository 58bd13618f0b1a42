package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/// A [HostFile] that passes every call to another; test wrappers override what they change.
abstract class ForwardingHostFile implements HostFile {
    protected final HostFile file;

    ForwardingHostFile(HostFile file) {
        this.file = file;
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public void read(long position, ByteBuffer dst) throws IOException {
        file.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        file.write(position, src);
    }

    @Override
    public long size() {
        return file.size();
    }

    @Override
    public void force() throws IOException {
        file.force();
    }

    @Override
    public void punchHole(long position, long length) throws IOException {
        file.punchHole(position, length);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return file.allocatedBytes();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
