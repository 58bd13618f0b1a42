package dev.shear.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/// Buffered big-endian reads from a connection. One thread at a time uses it: the one reading the
/// connection's requests (see [Transmission] for how that role passes between threads).
final class WireReader {
    private final ReadableByteChannel ch;
    /// Bytes received but not yet consumed, between position and limit.
    private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024).flip();

    WireReader(ReadableByteChannel ch) {
        this.ch = ch;
    }

    /// Waits for at least one byte; false when the peer closed the stream before sending any.
    boolean awaitData() throws IOException {
        return buf.hasRemaining() || fill();
    }

    /// Bytes received and not yet consumed: more of the client's requests already here.
    int buffered() {
        return buf.remaining();
    }

    private boolean fill() throws IOException {
        buf.compact();
        try {
            return ch.read(buf) > 0;
        } finally {
            buf.flip();
        }
    }

    private void need(int n) throws IOException {
        while (buf.remaining() < n) {
            if (!fill()) {
                throw new EOFException("the peer closed the connection in the middle of a message");
            }
        }
    }

    int readInt() throws IOException {
        need(4);
        return buf.getInt();
    }

    long readLong() throws IOException {
        need(8);
        return buf.getLong();
    }

    int readShort() throws IOException {
        need(2);
        return buf.getShort() & 0xFFFF;
    }

    /// Fills `dst` from its position to its limit.
    void readFully(ByteBuffer dst) throws IOException {
        if (buf.hasRemaining()) {
            int n = Math.min(buf.remaining(), dst.remaining());
            dst.put(dst.position(), buf, buf.position(), n);
            dst.position(dst.position() + n);
            buf.position(buf.position() + n);
        }
        while (dst.hasRemaining()) {
            if (ch.read(dst) < 0) {
                throw new EOFException("the peer closed the connection with " + dst.remaining()
                        + " bytes of payload still to come");
            }
        }
    }

    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        readFully(ByteBuffer.wrap(b));
        return b;
    }

    /// Reads and drops `n` bytes.
    void skip(long n) throws IOException {
        ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(n, 64 * 1024));
        long left = n;
        while (left > 0) {
            scratch.clear().limit((int) Math.min(left, scratch.capacity()));
            readFully(scratch);
            left -= scratch.limit();
        }
    }
}
