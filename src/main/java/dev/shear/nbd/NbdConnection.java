package dev.shear.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/// One client connection, from greeting to close, on its own (platform) thread.
///
/// ## Ending
/// Whatever ends it — `NBD_CMD_DISC`, the client leaving, a protocol violation (logged once),
/// [#stop] from [ExportRegistry#remove] or [NbdServer#close] — the connection stops reading,
/// lets every request in flight finish and send its reply, then closes the socket and releases
/// the export. Replies that cannot be sent within the drain grace (a client that stopped reading)
/// are abandoned by closing the socket first; the node operations still finish before the
/// export is released.
final class NbdConnection implements Runnable {
    private final SocketChannel ch;
    private final ExportRegistry registry;
    private final NbdServer.Limits limits;
    private final ConnectionLog log;
    private final Runnable onEnd;
    private final InFlightLimit inFlight;
    private final CountDownLatch ended = new CountDownLatch(1);
    /// Set once [#startDrainGrace] has started the grace.
    private final AtomicBoolean graceStarted = new AtomicBoolean();
    /// Set once by [#stop]; read by the connection thread to tell a stop from a vanished client.
    private volatile boolean stopping;

    NbdConnection(SocketChannel ch, String label, ExportRegistry registry, NbdServer.Limits limits, Runnable onEnd) {
        this.ch = ch;
        this.registry = registry;
        this.limits = limits;
        this.log = new ConnectionLog(label);
        this.onEnd = onEnd;
        this.inFlight = new InFlightLimit(limits.maxRequests(), limits.maxInFlightBytes());
    }

    @Override
    public void run() {
        Session session = null;
        log.debug("connected");
        try {
            WireReader in = new WireReader(ch);
            Thread watchdog = Thread.ofVirtual().start(this::handshakeWatchdog);
            Optional<Session> s;
            try {
                s = new Handshake(in, ch, registry, this::stop, limits.maxPayload(), log).run();
            } finally {
                watchdog.interrupt();
            }
            if (s.isPresent()) {
                session = s.get();
                log.debug("serving export '" + session.export().name() + "'"
                        + (session.structured() ? " with structured replies" : ""));
                ReplyWriter out = new ReplyWriter(ch, this::replyFailed);
                CommandHandler handler = new CommandHandler(session, out, log);
                new Transmission(in, handler, inFlight, limits.maxPayload(), log, this::startDrainGrace).run();
            }
        } catch (ProtocolViolation e) {
            log.info(e.getMessage());
        } catch (EOFException e) {
            ended("client vanished: " + e.getMessage());
        } catch (ClosedChannelException e) {
            log.debug("connection closed");
        } catch (IOException e) {
            ended("connection failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.info("interrupted; closing");
        } catch (RuntimeException e) {
            log.warn("internal error; closing", e);
        } finally {
            drain();
            closeChannel();
            if (session != null) {
                session.lease().close();
            }
            log.debug("closed");
            onEnd.run();                  // the server forgets it before anyone waiting for the end wakes
            ended.countDown();
        }
    }

    /// Closes the connection unless interrupted (by the handshake ending) within the timeout.
    private void handshakeWatchdog() {
        try {
            Thread.sleep(limits.handshakeTimeout());
        } catch (InterruptedException handshakeEnded) {
            return;
        }
        log.info("no handshake within " + limits.handshakeTimeout().toMillis() + " ms; closing");
        stopping = true;
        closeChannel();
    }

    private void ended(String message) {
        if (stopping) {
            log.debug(message);
        } else {
            log.info(message);
        }
    }

    private void drain() {
        inFlight.close();
        startDrainGrace();
        try {
            inFlight.awaitIdle();                    // the grace closes the socket under unsendable replies
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while requests were still in flight");
        }
    }

    private void replyFailed(IOException e) {
        ended("could not send a reply: " + e.getMessage());
        closeChannel();
    }

    /// Asks the connection to end: it reads no further request, drains what is in flight and
    /// closes. Does not wait; see [#awaitEnd].
    void stop() {
        stopping = true;
        inFlight.close();
        try {
            ch.shutdownInput();
        } catch (IOException e) {
            log.debug("could not shut down input (" + e + "); closing instead");
            closeChannel();
        }
        startDrainGrace();
    }

    /// Gives the requests in flight the drain grace, then closes the socket under replies still
    /// unsent. Started once, by whichever comes first: [#stop], the end of the request loop (on the
    /// thread that ended it, which need not be the connection's own: that one may be stuck sending
    /// a lone request's reply, see [Transmission]), or [#drain].
    private void startDrainGrace() {
        if (graceStarted.compareAndSet(false, true)) {
            Thread.ofVirtual().start(this::closeAfterGrace);
        }
    }

    private void closeAfterGrace() {
        try {
            if (!inFlight.awaitIdle(limits.drainGrace())) {
                log.info("replies still unsent after " + limits.drainGrace().toMillis()
                        + " ms; closing the socket under them");
                closeChannel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /// Waits up to `timeout` for the connection to end; true once it has.
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void closeChannel() {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing the socket failed: " + e);
        }
    }
}
