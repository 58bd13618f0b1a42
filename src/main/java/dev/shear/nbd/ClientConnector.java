package dev.shear.nbd;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/// Opens an [NbdClientNode]: parses the URI, connects the socket (TCP with `TCP_NODELAY`, or a Unix
/// domain socket) and runs the [ClientHandshake], the whole within a time limit. On any failure
/// the socket is closed and the [IOException] names the URI.
final class ClientConnector {
    private static final Logger LOG = System.getLogger("dev.shear.nbd");
    private static final int RUNNING = 0;
    private static final int DONE = 1;
    private static final int TIMED_OUT = 2;

    private ClientConnector() {
    }

    static NbdClientNode connect(String uri, Duration timeout) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the NBD connect timeout must be positive: " + timeout);
        }
        NbdUri.Target target = NbdUri.parse(uri);
        Strings.checkWireString("export name", target.exportName());
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel ch = open(uri, target, timeout);
        boolean ok = false;
        try {
            WireReader in = new WireReader(ch);
            RemoteExport export = handshake(uri, target, ch, in, deadline, timeout);
            String description = "NBD export '" + export.name() + "' at " + uri;
            NbdClientNode node = new NbdClientNode(uri, export, new ClientConnection(ch, in, export, description),
                    description);
            ok = true;
            return node;
        } finally {
            if (!ok) {
                closeQuietly(ch);
            }
        }
    }

    private static SocketChannel open(String uri, NbdUri.Target target, Duration timeout) throws IOException {
        SocketChannel ch = null;
        try {
            switch (target.endpoint()) {
                case NbdServer.Tcp t -> {
                    ch = SocketChannel.open();
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    ch.socket().connect(new InetSocketAddress(t.host(), t.port()),
                            (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
                }
                case NbdServer.Unix u -> {
                    ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(u.path()));
                }
            }
            return ch;
        } catch (IOException | UnresolvedAddressException e) {
            if (ch != null) {
                closeQuietly(ch);
            }
            String why = e instanceof UnresolvedAddressException ? "unknown host"
                    : e.getMessage() == null ? e.toString() : e.getMessage();
            throw new IOException("cannot connect to " + uri + " (" + target.address() + "): " + why, e);
        }
    }

    /// Runs the handshake; a watchdog closes the socket if it is not done by `deadline` (a
    /// [System#nanoTime()], `timeout` after the start).
    private static RemoteExport handshake(String uri, NbdUri.Target target, SocketChannel ch, WireReader in,
            long deadline, Duration timeout) throws IOException {
        AtomicInteger state = new AtomicInteger(RUNNING);
        Thread watchdog = Thread.ofVirtual().name("nbd-client handshake watchdog " + uri).start(() -> {
            try {
                Thread.sleep(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (InterruptedException finished) {
                return;
            }
            if (state.compareAndSet(RUNNING, TIMED_OUT)) {
                closeQuietly(ch);
            }
        });
        ClientHandshake h = new ClientHandshake(in, ch);
        RemoteExport export;
        try {
            export = h.run(target.exportName());
        } catch (IOException e) {
            if (!state.compareAndSet(RUNNING, DONE)) {
                throw timedOut(uri, timeout, e);
            }
            abort(h, uri);
            throw new IOException("cannot use " + uri + ": " + e.getMessage(), e);
        } finally {
            watchdog.interrupt();
        }
        if (!state.compareAndSet(RUNNING, DONE)) {
            throw timedOut(uri, timeout, null);     // done, but the watchdog closed the socket at the deadline
        }
        return export;
    }

    private static IOException timedOut(String uri, Duration timeout, IOException cause) {
        return new IOException("cannot use " + uri + ": the server did not complete the NBD handshake within "
                + timeout.toMillis() + " ms of connecting", cause);
    }

    /// Tells the server the client is leaving (best effort: the socket may already be broken).
    private static void abort(ClientHandshake h, String uri) {
        try {
            h.abort();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "could not send NBD_OPT_ABORT to " + uri + ": " + e);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "closing an NBD client socket failed: " + e);
        }
    }
}
