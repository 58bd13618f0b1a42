package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;

import dev.shear.block.BlockNode;
import dev.shear.util.Futures;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/// Executes one transmission request against the session's export and sends its reply. Called
/// concurrently from one thread per request; it holds no state of its own besides the session.
///
/// Checks, in this order, each answered with an error reply while the connection goes on:
/// unknown command or a flag the command does not take → `EINVAL`; a write, trim or
/// write-zeroes on a read-only export → `EPERM`; a range past the end → `ENOSPC` for WRITE and
/// WRITE_ZEROES, `EINVAL` otherwise (as the protocol recommends); a range not aligned to the
/// minimum block size → `EINVAL`; a READ longer than the maximum payload → `EOVERFLOW` with
/// structured replies, `EINVAL` without. Node failures map through [Errors#errnoOf].
final class CommandHandler {
    private final Session session;
    private final BlockNode node;
    private final ReplyWriter out;
    private final ConnectionLog log;
    private final ReadCommand reads;
    private final BlockStatusCommand blockStatus;

    CommandHandler(Session session, ReplyWriter out, ConnectionLog log) {
        this.session = session;
        this.node = session.export().node();
        this.out = out;
        this.log = log;
        this.reads = new ReadCommand(node, out);
        this.blockStatus = new BlockStatusCommand(session.contexts(), out);
    }

    /// Executes `r`, replies, and then completes `replied`. That is before return, except for a
    /// WRITE that its node finishes on another thread ([BlockNode#submitWrite]) while this one is
    /// still held: `replied` then completes on that thread.
    void handle(Request r, CompletableFuture<Void> replied) {
        try {
            if (r.type() == CMD_WRITE) {
                write(r, replied);
                return;
            }
            execute(r);
        } catch (RequestError e) {
            refused(r, e);
        } catch (ReadCommand.SegmentFailure f) {
            int errno = report(r, f.getCause());
            out.errorOffset(r.cookie(), errno, f.getMessage() == null ? Errors.name(errno) : f.getMessage(), f.offset());
        } catch (IOException | RuntimeException e) {
            failed(r, e);
        }
        replied.complete(null);
    }

    private void write(Request r, CompletableFuture<Void> replied) throws RequestError {
        flags(r, CMD_FLAG_FUA);
        writable();
        range(r, ENOSPC);
        CompletableFuture<Void> written = new CompletableFuture<>();
        written.whenComplete((ok, e) -> {
            try {
                if (e == null) {
                    ok(r);
                } else {
                    failed(r, Futures.cause(e));
                }
            } finally {
                replied.complete(null);
            }
        });
        try {
            node.submitWrite(r.offset(), r.payload(), (r.flags() & CMD_FLAG_FUA) != 0, written);
        } catch (RuntimeException | Error e) {
            written.completeExceptionally(e);         // one reply, whether or not the node completed it
            if (e instanceof Error err) {
                throw err;
            }
        }
    }

    private void refused(Request r, RequestError e) {
        log.info(r.describe() + " refused with " + Errors.name(e.errno()) + ": " + e.getMessage());
        fail(r, e.errno(), e.getMessage());
    }

    private void failed(Request r, Throwable e) {
        int errno = report(r, e);
        fail(r, errno, e.getMessage() == null ? e.toString() : e.getMessage());
    }

    /// Logs a node failure (client-caused ones at INFO) and returns its errno.
    private int report(Request r, Throwable t) {
        int errno = Errors.errnoOf(t);
        String msg = r.describe() + " on " + node.describe() + " failed with " + Errors.name(errno) + ": " + t;
        if (errno == EINVAL) {
            log.info(msg);
        } else if (t instanceof IOException) {
            log.warn(msg);
        } else {
            log.warn(msg, t);
        }
        return errno;
    }

    private void fail(Request r, int errno, String message) {
        if (session.structured()) {
            out.error(r.cookie(), errno, message);
        } else {
            out.simple(r.cookie(), errno);
        }
    }

    private void execute(Request r) throws IOException, RequestError, ReadCommand.SegmentFailure {
        boolean fua = (r.flags() & CMD_FLAG_FUA) != 0;
        switch (r.type()) {
            case CMD_READ -> {
                flags(r, CMD_FLAG_FUA | (session.structured() ? CMD_FLAG_DF : 0));
                range(r, EINVAL);
                if (r.length() > session.geometry().maxPayload()) {
                    throw new RequestError(session.structured() ? EOVERFLOW : EINVAL, "a read of " + r.length()
                            + " bytes is larger than the maximum payload of " + session.geometry().maxPayload());
                }
                if (session.structured()) {
                    reads.structured(r, (r.flags() & CMD_FLAG_DF) != 0);
                } else {
                    reads.simple(r);
                }
            }
            case CMD_FLUSH -> {
                flags(r, CMD_FLAG_FUA);
                if (r.offset() != 0 || r.length() != 0) {
                    throw new RequestError(EINVAL, "FLUSH must have offset and length 0");
                }
                node.flush();
                ok(r);
            }
            case CMD_TRIM -> {
                flags(r, CMD_FLAG_FUA);
                writable();
                range(r, EINVAL);
                node.discard(r.offset(), r.length());
                flushIf(fua);
                ok(r);
            }
            case CMD_WRITE_ZEROES -> {
                if ((r.flags() & CMD_FLAG_FAST_ZERO) != 0) {
                    throw new RequestError(EINVAL, "NBD_CMD_FLAG_FAST_ZERO was not advertised");
                }
                flags(r, CMD_FLAG_FUA | CMD_FLAG_NO_HOLE);
                writable();
                range(r, ENOSPC);
                node.writeZeroes(r.offset(), r.length(), (r.flags() & CMD_FLAG_NO_HOLE) == 0);
                flushIf(fua);
                ok(r);
            }
            case CMD_CACHE -> {
                flags(r, CMD_FLAG_FUA);
                range(r, EINVAL);
                ok(r);
            }
            case CMD_BLOCK_STATUS -> {
                flags(r, CMD_FLAG_FUA | CMD_FLAG_REQ_ONE);
                if (session.contexts().isEmpty()) {
                    throw new RequestError(EINVAL, "BLOCK_STATUS needs a metadata context selected with "
                            + "NBD_OPT_SET_META_CONTEXT for this export");
                }
                if (r.length() == 0) {
                    throw new RequestError(EINVAL, "BLOCK_STATUS of length 0");
                }
                range(r, EINVAL);
                blockStatus.reply(r);
            }
            default -> throw new RequestError(EINVAL, "unknown command type " + r.type());
        }
    }

    private void ok(Request r) {
        out.simple(r.cookie(), 0);
    }

    private void flushIf(boolean fua) throws IOException {
        if (fua) {
            node.flush();
        }
    }

    private static void flags(Request r, int allowed) throws RequestError {
        int bad = r.flags() & ~allowed;
        if (bad != 0) {
            throw new RequestError(EINVAL, String.format("flags 0x%x are not valid for %s", bad,
                    commandName(r.type())));
        }
    }

    private void writable() throws RequestError {
        if (session.export().readOnly()) {
            throw new RequestError(EPERM, "export '" + session.export().name() + "' is read-only");
        }
    }

    private void range(Request r, int pastEnd) throws RequestError {
        long size = session.geometry().size();
        if (r.offset() < 0 || r.offset() > size || r.length() > size - r.offset()) {
            throw new RequestError(pastEnd, "range " + Long.toUnsignedString(r.offset()) + "+" + r.length()
                    + " reaches past the end of export '" + session.export().name() + "' (size " + size + ")");
        }
        int min = session.geometry().minBlock();
        if (min > 1 && ((r.offset() | r.length()) & (min - 1)) != 0) {
            throw new RequestError(EINVAL, "range " + r.offset() + "+" + r.length()
                    + " is not aligned to the minimum block size " + min);
        }
    }
}
