package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/// The reading half of a client connection: reads simple replies and structured reply chunks,
/// hands each to the [ClientRequest] its cookie names, and completes the request with its last
/// chunk. Only the connection's reader thread uses it.
///
/// A reply the protocol does not allow (an unknown cookie or chunk type, data outside the request,
/// a reply that does not cover a read) throws [ServerViolation]: the protocol then asks for a
/// hard disconnect, which the connection does.
final class ReplyReader {
    /// The largest block status chunk accepted: 2^20 extents, as the protocol suggests servers send.
    private static final long MAX_STATUS_CHUNK = 4 + 8L * (1 << 20);
    /// The largest error chunk accepted: a 4096-byte message and the fixed fields, with room to spare.
    private static final long MAX_ERROR_CHUNK = 64 * 1024;

    /// The server broke the protocol; the connection cannot go on.
    static final class ServerViolation extends IOException {
        ServerViolation(String message) {
            super("protocol violation by the server: " + message);
        }
    }

    private final WireReader in;
    private final Map<Long, ClientRequest> pending;
    private final int allocationContextId;

    /// `pending` holds the requests sent and not yet complete, by cookie; this removes each one
    /// as its reply completes.
    ReplyReader(WireReader in, Map<Long, ClientRequest> pending, int allocationContextId) {
        this.in = in;
        this.pending = pending;
        this.allocationContextId = allocationContextId;
    }

    /// Handles replies until the server closes the stream between two of them; throws when it
    /// breaks off in the middle of one, or breaks the protocol.
    void run() throws IOException {
        while (in.awaitData()) {
            int magic = in.readInt();
            switch (magic) {
                case SIMPLE_REPLY_MAGIC -> simple();
                case STRUCTURED_REPLY_MAGIC -> chunk();
                default -> throw new ServerViolation(String.format("reply magic 0x%08x", magic));
            }
        }
    }

    private ClientRequest request(long cookie) throws ServerViolation {
        ClientRequest r = pending.get(cookie);
        if (r == null) {
            throw new ServerViolation("a reply for cookie " + cookie + ", which no request in flight has");
        }
        return r;
    }

    private void simple() throws IOException {
        int errno = in.readInt();
        ClientRequest r = request(in.readLong());
        if (errno != 0) {
            r.error(errno, "");
        } else if (r.type == CMD_READ) {
            r.data(in, r.offset, (int) r.length);
        } else if (r.type == CMD_BLOCK_STATUS) {
            throw new ServerViolation("a simple reply to " + r.describe());
        }
        done(r);
    }

    private void chunk() throws IOException {
        int flags = in.readShort();
        int type = in.readShort();
        ClientRequest r = request(in.readLong());
        long length = in.readInt() & 0xFFFF_FFFFL;
        switch (type) {
            case REPLY_TYPE_NONE -> {
                if (length != 0 || (flags & REPLY_FLAG_DONE) == 0) {
                    throw new ServerViolation("an NBD_REPLY_TYPE_NONE chunk of " + length + " bytes, flags " + flags
                            + ", for " + r.describe());
                }
            }
            case REPLY_TYPE_OFFSET_DATA -> {
                long at = contentOffset(r, length >= 9, length);
                r.data(in, at, (int) within(r, at, length - 8));
            }
            case REPLY_TYPE_OFFSET_HOLE -> {
                long at = contentOffset(r, length == 12, length);
                r.hole(at, (int) within(r, at, in.readInt() & 0xFFFF_FFFFL));
            }
            case REPLY_TYPE_BLOCK_STATUS -> blockStatus(r, length);
            default -> {
                if ((type & REPLY_TYPE_FLAG_ERROR) == 0) {
                    throw new ServerViolation("chunk type " + type + " for " + r.describe());
                }
                error(r, type, length);
            }
        }
        if ((flags & REPLY_FLAG_DONE) != 0) {
            done(r);
        }
    }

    /// Reads the offset of a content chunk for a READ.
    private long contentOffset(ClientRequest r, boolean lengthOk, long length) throws IOException {
        if (r.type != CMD_READ || !lengthOk) {
            throw new ServerViolation("a content chunk of " + length + " bytes for " + r.describe());
        }
        return in.readLong();
    }

    /// Checks that `[at, at+n)` is a non-empty part of the request and returns `n`.
    private static long within(ClientRequest r, long at, long n) throws ServerViolation {
        if (n <= 0 || at < r.offset || at - r.offset > r.length - n) {
            throw new ServerViolation("content " + Long.toUnsignedString(at) + "+" + n + " outside " + r.describe());
        }
        return n;
    }

    private void blockStatus(ClientRequest r, long length) throws IOException {
        if (r.type != CMD_BLOCK_STATUS || length < 12 || (length - 4) % 8 != 0 || length > MAX_STATUS_CHUNK) {
            throw new ServerViolation("a block status chunk of " + length + " bytes for " + r.describe());
        }
        int id = in.readInt();
        List<MetaContextProvider.Extent> extents = new ArrayList<>();
        for (long i = 0; i < (length - 4) / 8; i++) {
            long n = in.readInt() & 0xFFFF_FFFFL;
            int flags = in.readInt();
            if (n == 0) {
                throw new ServerViolation("an extent of length 0 for " + r.describe());
            }
            extents.add(new MetaContextProvider.Extent(n, flags));
        }
        if (id != allocationContextId || r.hasExtents()) {
            throw new ServerViolation("block status for context " + id + " (selected: " + allocationContextId
                    + ") in reply to " + r.describe());
        }
        r.extents(extents);
    }

    /// An error chunk, known or not: its error value and message count; the rest is skipped.
    private void error(ClientRequest r, int type, long length) throws IOException {
        if (length < 6 || length > MAX_ERROR_CHUNK) {
            throw new ServerViolation("an error chunk of " + length + " bytes for " + r.describe());
        }
        int errno = in.readInt();
        int messageLength = in.readShort();
        if (messageLength > length - 6) {
            throw new ServerViolation("an error message of " + messageLength + " bytes in a chunk of " + length);
        }
        String message = new String(in.readBytes(messageLength), StandardCharsets.UTF_8);
        in.skip(length - 6 - messageLength);
        r.error(errno == 0 ? EINVAL : errno, type == REPLY_TYPE_ERROR || type == REPLY_TYPE_ERROR_OFFSET ? message
                : message + " (error chunk type " + type + ")");
    }

    private void done(ClientRequest r) throws ServerViolation {
        boolean failed = r.failed();
        if (!failed && r.type == CMD_READ && r.covered() != r.length) {
            throw new ServerViolation("the reply to " + r.describe() + " covered " + r.covered() + " bytes");
        }
        if (!failed && r.type == CMD_BLOCK_STATUS && !r.hasExtents()) {
            throw new ServerViolation("the reply to " + r.describe() + " had no base:allocation extents");
        }
        pending.remove(r.cookie);
        r.finish();
    }
}
