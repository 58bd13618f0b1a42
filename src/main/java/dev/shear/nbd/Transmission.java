package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_DISC;
import static dev.shear.nbd.NbdProtocol.CMD_READ;
import static dev.shear.nbd.NbdProtocol.CMD_WRITE;
import static dev.shear.nbd.NbdProtocol.REQUEST_MAGIC;

import dev.shear.util.IoThreads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/// The reading half of the transmission phase: reads requests one after another and runs each,
/// so that requests run concurrently and replies may leave out of order.
///
/// ## Where a request runs (decision 0016)
/// A request that arrives *alone* — nothing else of this connection in flight, no further request
/// already received — runs on the thread that read it, which is running anyway: no hand-over to
/// another thread, whose wake-up on a busy machine is what made guest requests slow. Any other
/// request goes to the request pool ([IoThreads#request]). A request that holds the reading
/// thread longer than [#HAND_OFF_AFTER] (a cold read, storage that hangs) does not hold up the
/// connection: [InlineWatchdog] starts another thread that reads on, and the holding thread leaves
/// the loop when its request is done. The loop's end, wherever it happens, ends [#run].
///
/// Before reading a request's payload it takes room in the connection's [InFlightLimit]; when the
/// limit is full it stops reading the socket until requests complete (TCP flow control then
/// slows the client down).
///
/// A WRITE larger than the maximum payload closes the connection rather than reading and
/// discarding the payload: the protocol allows either, and skipping up to 4 GiB a request would
/// let a client keep the server busy for nothing.
final class Transmission {
    /// How long a request run on the reading thread may hold it before another thread reads on.
    static final Duration HAND_OFF_AFTER = Duration.ofMillis(10);
    private static final long HAND_OFF_NANOS = HAND_OFF_AFTER.toNanos();

    /// A request being run by the reading thread, since `startNanos`.
    private record Inline(long startNanos) {
    }

    /// Marks a loop whose reading passed to another thread while its reader ran a request.
    private static final Inline HANDED_OFF = new Inline(0);

    private final WireReader in;
    private final CommandHandler handler;
    private final InFlightLimit limit;
    private final int maxPayload;
    private final ConnectionLog log;
    private final String threadName;
    /// The request the reading thread runs, [#HANDED_OFF], or null (reading, or running nothing).
    private final AtomicReference<Inline> inline = new AtomicReference<>();
    /// Completed by the thread that ends the loop when that is not the one in [#run].
    private final CompletableFuture<Void> end = new CompletableFuture<>();

    Transmission(WireReader in, CommandHandler handler, InFlightLimit limit, int maxPayload, ConnectionLog log) {
        this.in = in;
        this.handler = handler;
        this.limit = limit;
        this.maxPayload = maxPayload;
        this.log = log;
        this.threadName = Thread.currentThread().getName();
    }

    /// Serves requests until the client disconnects or the connection is stopped. Requests
    /// still in flight on return keep running; the caller drains them.
    void run() throws IOException, ProtocolViolation, InterruptedException {
        InlineWatchdog.watch(this);
        try {
            if (!serve()) {
                awaitEnd();
            }
        } finally {
            InlineWatchdog.forget(this);
        }
    }

    /// The request loop; false when this thread handed the reading to another one and left.
    private boolean serve() throws IOException, ProtocolViolation, InterruptedException {
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
                Inline mine = new Inline(System.nanoTime());
                inline.set(mine);
                execute(r, cost);
                if (!inline.compareAndSet(mine, null)) {
                    return false;                  // another thread reads on (handOffIfStuck)
                }
            } else {
                IoThreads.request(() -> execute(r, cost));   // disk I/O: never on a virtual thread (IoThreads)
            }
        }
        log.debug("client closed the connection");
        return true;
    }

    private void execute(Request r, long cost) {
        try {
            handler.handle(r);
        } finally {
            limit.release(cost);
        }
    }

    /// Called by the watchdog: when the reading thread has been running one request for longer
    /// than [#HAND_OFF_AFTER], another thread takes over the reading.
    void handOffIfStuck(long nowNanos) {
        Inline i = inline.get();
        if (i != null && i != HANDED_OFF && nowNanos - i.startNanos() >= HAND_OFF_NANOS
                && inline.compareAndSet(i, HANDED_OFF)) {
            log.debug("a request held the reading thread for " + HAND_OFF_AFTER.toMillis()
                    + " ms; another thread reads on");
            IoThreads.helper(this::serveHandedOff);     // a platform thread, like the connection's own
        }
    }

    private void serveHandedOff() {
        Thread t = Thread.currentThread();
        String name = t.getName();
        t.setName(threadName);
        inline.set(null);
        try {
            if (serve()) {
                end.complete(null);
            }
        } catch (Throwable e) {
            end.completeExceptionally(e);
        } finally {
            t.setName(name);
        }
    }

    private void awaitEnd() throws IOException, ProtocolViolation, InterruptedException {
        try {
            end.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case ProtocolViolation pv -> throw pv;
                case InterruptedException ie -> throw ie;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }
}
