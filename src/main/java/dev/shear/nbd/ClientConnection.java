package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.CMD_DISC;
import static dev.shear.nbd.NbdProtocol.REQUEST_HEADER_SIZE;
import static dev.shear.nbd.NbdProtocol.REQUEST_MAGIC;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/// One client connection in the transmission phase, shared by every thread using an
/// [NbdClientNode]: many requests in flight at once, each completed by its cookie.
///
/// ## Threads
/// * Callers [#submit] requests into an outbox and wait on them. One **sender** thread takes what
///   has piled up and writes it in one gathering write. Callers never touch the socket: a thread
///   interrupted inside a blocking channel operation closes the channel, which would fail every
///   other caller; here an interrupted caller merely stops waiting (see [ClientRequest#await]).
/// * One **reader** thread reads replies ([ReplyReader]) and completes the requests.
///
/// ## Ending
/// The first of these ends the connection for good: the server closing the socket, a socket
/// error, a protocol violation by the server (a hard disconnect, as the protocol asks), or
/// [#disconnect]. Every request in flight then fails with the reason, and so does every later
/// [#submit].
final class ClientConnection {
    private static final Logger LOG = System.getLogger("dev.shear.nbd");
    /// Requests written in one gathering write at most.
    private static final int MAX_BATCH = 64;

    private final SocketChannel ch;
    private final String label;
    private final AtomicLong cookies = new AtomicLong();
    /// Requests submitted and not yet complete, by cookie; the reader removes each as its reply
    /// completes, [#end] removes the rest. Thread-safe map, no lock.
    private final ConcurrentHashMap<Long, ClientRequest> pending = new ConcurrentHashMap<>();
    /// Requests waiting for the sender thread.
    private final LinkedBlockingQueue<ClientRequest> outbox = new LinkedBlockingQueue<>();
    /// Why the connection ended; set once, by the first [#end].
    private final AtomicReference<String> ended = new AtomicReference<>();
    private final Thread reader;
    private final Thread sender;

    /// Starts the reader and sender threads on `ch`, which has just finished the handshake (`in`
    /// holds what was read past it). `label` names the connection in messages.
    ClientConnection(SocketChannel ch, WireReader in, RemoteExport export, String label) {
        this.ch = ch;
        this.label = label;
        ReplyReader replies = new ReplyReader(in, pending, export.allocationContextId());
        this.reader = Thread.ofVirtual().name("nbd-client reader " + label).unstarted(() -> readLoop(replies));
        this.sender = Thread.ofVirtual().name("nbd-client sender " + label).unstarted(this::sendLoop);
        reader.start();
        sender.start();
    }

    /// Queues a request; `payload` (a WRITE's data) must not change afterwards, `dst` (a READ's
    /// buffer, index 0 at `offset`) is filled when the reply comes. Throws when the connection
    /// has ended.
    ClientRequest submit(int type, int flags, long offset, long length, ByteBuffer payload, ByteBuffer dst)
            throws IOException {
        checkUsable();
        ClientRequest r = new ClientRequest(cookies.incrementAndGet(), type, flags, offset, length, payload, dst);
        pending.put(r.cookie, r);
        if (ended.get() != null) {
            // end() may have swept `pending` before the put: fail here rather than wait forever
            pending.remove(r.cookie);
            checkUsable();
        }
        outbox.add(r);
        return r;
    }

    /// Throws the [IOException] every request gets once the connection has ended.
    void checkUsable() throws IOException {
        String why = ended.get();
        if (why != null) {
            throw new IOException(label + " is unusable: " + why);
        }
    }

    /// False once the connection has ended.
    boolean usable() {
        return ended.get() == null;
    }

    /// Sends `NBD_CMD_DISC` after every request already queued, waits up to `grace` for the
    /// server to answer them and close, then closes the socket. Requests still unanswered fail.
    void disconnect(Duration grace) {
        if (ended.get() == null) {
            outbox.add(new ClientRequest(cookies.incrementAndGet(), CMD_DISC, 0, 0, 0, null, null));
            try {
                if (!reader.join(grace)) {
                    LOG.log(Level.INFO, () -> label + ": the server did not close within " + grace.toMillis()
                            + " ms of NBD_CMD_DISC; closing the socket");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        end("the connection was closed by the client");
    }

    private void sendLoop() {
        List<ClientRequest> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(outbox.take());
                outbox.drainTo(batch, MAX_BATCH - 1);
                if (ended.get() != null) {
                    return;
                }
                write(batch);
                if (batch.getLast().type == CMD_DISC) {
                    ch.shutdownOutput();
                    return;
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            // end() stops the sender this way; nothing is left to send
        } catch (IOException e) {
            end("the connection to the server was lost: could not send a request: " + e.getMessage());
        }
    }

    /// Writes the requests of `batch` up to and including the first DISC (nothing may follow it).
    private void write(List<ClientRequest> batch) throws IOException {
        List<ByteBuffer> bufs = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            ClientRequest r = batch.get(i);
            bufs.add(ByteBuffer.allocate(REQUEST_HEADER_SIZE).putInt(REQUEST_MAGIC).putShort((short) r.flags)
                    .putShort((short) r.type).putLong(r.cookie).putLong(r.offset).putInt((int) r.length).flip());
            if (r.payload != null) {
                bufs.add(r.payload.duplicate());
            }
            if (r.type == CMD_DISC) {
                batch.subList(i + 1, batch.size()).clear();
                break;
            }
        }
        ByteBuffer[] array = bufs.toArray(ByteBuffer[]::new);
        long left = 0;
        for (ByteBuffer b : array) {
            left += b.remaining();
        }
        while (left > 0) {
            left -= ch.write(array);
        }
    }

    private void readLoop(ReplyReader replies) {
        String why;
        try {
            replies.run();
            why = "the server closed the connection";
        } catch (ReplyReader.ServerViolation e) {
            why = e.getMessage();
        } catch (EOFException e) {
            why = "the server closed the connection in the middle of a reply";
        } catch (IOException e) {
            why = "reading a reply failed: " + e.getMessage();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> label + ": internal error while reading replies", e);
            why = "internal error while reading replies: " + e;
        }
        end("the connection to the server was lost: " + why);
    }

    /// Ends the connection (the first reason wins), closes the socket and fails every request in flight.
    private void end(String reason) {
        if (ended.compareAndSet(null, reason)) {
            LOG.log(Level.DEBUG, () -> label + ": " + reason);
        }
        String why = ended.get();
        try {
            ch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> label + ": closing the socket failed: " + e);
        }
        sender.interrupt();
        for (ClientRequest r : pending.values()) {
            if (pending.remove(r.cookie, r)) {
                r.fail(why);
            }
        }
    }
}
