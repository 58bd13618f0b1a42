package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_DISC;
import static dev.shear.nbd.NbdProtocol.CMD_READ;
import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static dev.shear.nbd.NbdProtocol.REQUEST_MAGIC;

import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;

/// The reading half of the transmission phase: reads requests one after another and hands each
/// to the request pool ([IoThreads#request]), so requests run concurrently and replies may leave
/// out of order.
///
/// Before reading a request's payload it takes room in the connection's [InFlightLimit]; when the
/// limit is full it stops reading the socket until requests complete (TCP flow control then
/// slows the client down).
///
/// A WRITE larger than the maximum payload closes the connection rather than reading and
/// discarding the payload: the protocol allows either, and skipping up to 4 GiB a request would
/// let a client keep the server busy for nothing.
final class Transmission {
    private final WireReader in;
    private final CommandHandler handler;
    private final InFlightLimit limit;
    private final int maxPayload;
    private final ConnectionLog log;

    Transmission(WireReader in, CommandHandler handler, InFlightLimit limit, int maxPayload, ConnectionLog log) {
        this.in = in;
        this.handler = handler;
        this.limit = limit;
        this.maxPayload = maxPayload;
        this.log = log;
    }

    /// Serves requests until the client disconnects or the connection is stopped. Requests
    /// still in flight on return keep running; the caller drains them.
    void run() throws IOException, ProtocolViolation, InterruptedException {
        while (in.awaitData()) {
            int magic = in.readInt();
            if (magic != REQUEST_MAGIC) {
                throw new ProtocolViolation(String.format("request magic 0x%08x is not 0x%08x; closing",
                        magic, REQUEST_MAGIC));
            }
            int flags = in.readShort();
            int type = in.readShort();
            long cookie = in.readLong();
            long offset = in.readLong();
            long length = in.readInt() & 0xFFFF_FFFFL;
            if (type == CMD_DISC) {
                log.debug("client sent NBD_CMD_DISC");
                return;
            }
            if (type == CMD_WRITE && length > maxPayload) {
                throw new ProtocolViolation("WRITE of " + length + " bytes exceeds the maximum payload of "
                        + maxPayload + "; closing instead of reading it");
            }
            long cost = type == CMD_WRITE || (type == CMD_READ && length <= maxPayload) ? length : 0;
            if (!limit.acquire(cost)) {
                return;
            }
            ByteBuffer payload = null;
            try {
                if (type == CMD_WRITE) {
                    payload = ByteBuffer.allocate((int) length);
                    in.readFully(payload);
                    payload.flip();
                }
                Request r = new Request(flags, type, cookie, offset, length, payload);
                IoThreads.request(() -> {          // disk I/O: never on a virtual thread (IoThreads)
                    try {
                        handler.handle(r);
                    } finally {
                        limit.release(cost);
                    }
                });
            } catch (IOException | RuntimeException | Error e) {
                limit.release(cost);
                throw e;
            }
        }
        log.debug("client closed the connection");
    }
}
