package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/// The file under a qcow2 image, as the image code sees it: positional reads and writes, hole
/// punching, flushing. One interface so tests can wrap it (a crash simulator that stops writing
/// after the N-th write); [ChannelHostFile] is the real one.
///
/// Implementations are thread-safe; each call is one positional system call (or a loop of them).
interface HostFile extends AutoCloseable {

    /// The file, for messages.
    Path path();

    /// Fills `dst` from `position`; bytes past the end of the file read as zeroes.
    void read(long position, ByteBuffer dst) throws IOException;

    /// Writes all of `src` at `position`, growing the file if needed.
    void write(long position, ByteBuffer src) throws IOException;

    /// The file size in bytes, as last seen or grown by [#write].
    long size();

    /// Makes every completed write durable (`fsync`).
    void force() throws IOException;

    /// Starts writing dirty cached pages to storage without waiting ([dev.shear.block.BlockNode#startWriteback]).
    default void startWriteback() throws IOException {
    }

    /// Deallocates `[position, position+length)`; it then reads as zeroes.
    void punchHole(long position, long length) throws IOException;

    /// Bytes the file occupies on disk.
    long allocatedBytes() throws IOException;

    @Override
    void close() throws IOException;
}
