package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_DISC;
import static dev.shear.nbd.NbdProtocol.CMD_READ;
import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static dev.shear.nbd.NbdProtocol.REQUEST_MAGIC;

import dev.shear.util.InlineRunner;
import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/// The reading half of the transmission phase: reads requests one after another and runs each,
/// so that requests run concurrently and replies may leave out of order.
///
/// ## Where a request runs (decision 0016)
/// A request that arrives *alone* — nothing else of this connection in flight, no further request
/// already received — runs on the thread that read it, which is running anyway: no hand-over to
/// another thread, whose wake-up on a busy machine is what made guest requests slow. Any other
/// request goes to the request pool ([IoThreads#request]). A request that holds the reading
/// thread longer than [InlineRunner#HAND_OFF_AFTER] (a cold read, storage that hangs) does not
/// hold up the connection: another thread reads on, and the holding thread leaves the loop when
/// its request is done. The loop's end, wherever it happens, ends [#run].
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
    private final Runnable onLoopEnd;
    private final InlineRunner<IOException> inline = new InlineRunner<>(this::serveThenTell);

    /// @param onLoopEnd told when the request loop has ended, on the thread that ended it: not
    ///                  necessarily the one in [#run], which may still be running a request
    Transmission(WireReader in, CommandHandler handler, InFlightLimit limit, int maxPayload, ConnectionLog log,
            Runnable onLoopEnd) {
        this.onLoopEnd = onLoopEnd;
        this.in = in;
        this.handler = handler;
        this.limit = limit;
        this.maxPayload = maxPayload;
        this.log = log;
    }

    /// Serves requests until the client disconnects or the connection is stopped. Requests
    /// still in flight on return keep running; the caller drains them.
    void run() throws IOException, InterruptedException {
        inline.runLoop();
    }

    private boolean serveThenTell() throws IOException, InterruptedException {
        boolean handedOff = false;
        try {
            handedOff = !serve();
            return !handedOff;
        } finally {
            if (!handedOff) {
                onLoopEnd.run();
            }
        }
    }

    /// The request loop; false when this thread handed the reading to another one and left.
    private boolean serve() throws IOException, InterruptedException {
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
                return true;
            }
            if (type == CMD_WRITE && length > maxPayload) {
                throw new ProtocolViolation("WRITE of " + length + " bytes exceeds the maximum payload of "
                        + maxPayload + "; closing instead of reading it");
            }
            long cost = type == CMD_WRITE || (type == CMD_READ && length <= maxPayload) ? length : 0;
            int inFlight = limit.acquire(cost);
            if (inFlight == 0) {
                return true;
            }
            Request r;
            try {
                ByteBuffer payload = null;
                if (type == CMD_WRITE) {
                    payload = ByteBuffer.allocate((int) length);
                    in.readFully(payload);
                    payload.flip();
                }
                r = new Request(flags, type, cookie, offset, length, payload);
            } catch (IOException | RuntimeException | Error e) {
                limit.release(cost);
                throw e;
            }
            if (inFlight == 1 && in.buffered() == 0) {
                if (!inline.runHere(() -> execute(r, cost))) {
                    return false;                  // it held this thread too long; another one reads on
                }
            } else {
                try {
                    IoThreads.request(() -> execute(r, cost));   // disk I/O: never on a virtual thread (IoThreads)
                } catch (RuntimeException | Error e) {
                    limit.release(cost);
                    throw e;
                }
            }
        }
        log.debug("client closed the connection");
        return true;
    }

    /// Runs `r`; its room in the limit is given back once its reply has gone, on whichever thread.
    private void execute(Request r, long cost) {
        CompletableFuture<Void> replied = new CompletableFuture<>();
        replied.whenComplete((ok, e) -> limit.release(cost));
        try {
            handler.handle(r, replied);
        } catch (RuntimeException | Error e) {
            replied.complete(null);
            throw e;
        }
    }
}
