package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.REPLY_FLAG_DONE;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_BLOCK_STATUS;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_ERROR;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_ERROR_OFFSET;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_NONE;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_OFFSET_DATA;
import static dev.shear.nbd.NbdProtocol.REPLY_TYPE_OFFSET_HOLE;
import static dev.shear.nbd.NbdProtocol.SIMPLE_REPLY_MAGIC;
import static dev.shear.nbd.NbdProtocol.STRUCTURED_REPLY_MAGIC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/// Writes transmission-phase replies to one connection. Many request threads call it at once;
/// each message (a simple reply, or one structured chunk, with its payload) goes out whole under
/// one lock, so bytes of two messages never interleave.
///
/// When the socket fails, the first failure is handed to `onBroken` (which closes the
/// connection) and later messages are dropped: nobody is left to read them.
final class ReplyWriter {
    private final GatheringByteChannel ch;
    private final Consumer<IOException> onBroken;
    private final ReentrantLock lock = new ReentrantLock();
    /// Set after the first write failure; guarded by `lock`.
    private boolean broken;

    ReplyWriter(GatheringByteChannel ch, Consumer<IOException> onBroken) {
        this.ch = ch;
        this.onBroken = onBroken;
    }

    // ---- simple replies ------------------------------------------------------------------------

    void simple(long cookie, int error) {
        send(simpleHeader(cookie, error));
    }

    void simpleData(long cookie, ByteBuffer data) {
        send(simpleHeader(cookie, 0), data);
    }

    private static ByteBuffer simpleHeader(long cookie, int error) {
        return ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(cookie).flip();
    }

    // ---- structured replies --------------------------------------------------------------------

    void none(long cookie) {
        send(chunkHeader(cookie, REPLY_FLAG_DONE, REPLY_TYPE_NONE, 0));
    }

    /// A final `NBD_REPLY_TYPE_ERROR` chunk.
    void error(long cookie, int errno, String message) {
        byte[] msg = Strings.utf8Capped(message);
        ByteBuffer b = ByteBuffer.allocate(20 + 6 + msg.length);
        putChunkHeader(b, cookie, REPLY_FLAG_DONE, REPLY_TYPE_ERROR, 6 + msg.length);
        b.putInt(errno).putShort((short) msg.length).put(msg);
        send(b.flip());
    }

    /// A final `NBD_REPLY_TYPE_ERROR_OFFSET` chunk for the failure at `offset`.
    void errorOffset(long cookie, int errno, String message, long offset) {
        byte[] msg = Strings.utf8Capped(message);
        ByteBuffer b = ByteBuffer.allocate(20 + 14 + msg.length);
        putChunkHeader(b, cookie, REPLY_FLAG_DONE, REPLY_TYPE_ERROR_OFFSET, 14 + msg.length);
        b.putInt(errno).putShort((short) msg.length).put(msg).putLong(offset);
        send(b.flip());
    }

    void data(long cookie, long offset, ByteBuffer data, boolean done) {
        ByteBuffer h = ByteBuffer.allocate(28);
        putChunkHeader(h, cookie, done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_DATA, 8 + data.remaining());
        h.putLong(offset).flip();
        send(h, data);
    }

    void hole(long cookie, long offset, int length, boolean done) {
        ByteBuffer h = ByteBuffer.allocate(32);
        putChunkHeader(h, cookie, done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_OFFSET_HOLE, 12);
        h.putLong(offset).putInt(length).flip();
        send(h);
    }

    /// One `NBD_REPLY_TYPE_BLOCK_STATUS` chunk; every extent length fits 32 bits.
    void blockStatus(long cookie, int contextId, List<MetaContextProvider.Extent> extents, boolean done) {
        int payload = 4 + 8 * extents.size();
        ByteBuffer b = ByteBuffer.allocate(20 + payload);
        putChunkHeader(b, cookie, done ? REPLY_FLAG_DONE : 0, REPLY_TYPE_BLOCK_STATUS, payload);
        b.putInt(contextId);
        for (MetaContextProvider.Extent e : extents) {
            b.putInt((int) e.length()).putInt(e.flags());
        }
        send(b.flip());
    }

    private static ByteBuffer chunkHeader(long cookie, int flags, int type, int length) {
        ByteBuffer b = ByteBuffer.allocate(20);
        putChunkHeader(b, cookie, flags, type, length);
        return b.flip();
    }

    private static void putChunkHeader(ByteBuffer b, long cookie, int flags, int type, int length) {
        b.putInt(STRUCTURED_REPLY_MAGIC).putShort((short) flags).putShort((short) type)
                .putLong(cookie).putInt(length);
    }

    private void send(ByteBuffer... bufs) {
        lock.lock();
        try {
            if (broken) {
                return;
            }
            long left = 0;
            for (ByteBuffer b : bufs) {
                left += b.remaining();
            }
            while (left > 0) {
                left -= ch.write(bufs);
            }
        } catch (IOException e) {
            broken = true;
            onBroken.accept(e);
        } finally {
            lock.unlock();
        }
    }
}
