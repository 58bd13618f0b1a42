package dev.shear.nbd;

import dev.shear.util.IoThreads;
import dev.shear.util.Scheduling;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/// An NBD server (fixed newstyle, no TLS) listening on one TCP port or Unix domain socket and
/// serving the exports of an [ExportRegistry]. Real clients work against it: QEMU (`qemu-io`,
/// `qemu-img`), libnbd (`nbdinfo`, `nbdcopy`, fio's nbd engine).
///
/// ## Guarantees
/// * Many clients at once, each on its own platform thread; each connection runs its requests
///   concurrently, replies may leave out of order, and each reply goes out whole.
/// * Per connection at most [Limits#maxRequests] requests and [Limits#maxInFlightBytes] bytes
///   of payload are in flight; beyond that the server stops reading that socket.
/// * Every accepted TCP socket has `TCP_NODELAY` set.
/// * A misbehaving client gets an error reply or, where the protocol leaves no other way, its
///   connection closed — with one log line (`System.Logger` "dev.shear.nbd") — while the server
///   and every other client go on.
/// * [#close] stops accepting, lets every connection finish the requests it has in flight, closes
///   them, and removes the Unix socket file. It does not close the exported nodes.
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger("dev.shear.nbd");
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    /// Per-connection bounds.
    ///
    /// @param maxRequests      requests in flight per connection
    /// @param maxInFlightBytes READ and WRITE payload bytes in flight per connection (≥ maxPayload)
    /// @param maxPayload       the largest READ or WRITE accepted, advertised as the maximum
    ///                         block size (≥ 64 KiB, ≤ 1 GiB)
    /// @param drainGrace       how long a closing connection waits for in-flight replies to go
    ///                         out before it closes the socket under them
    /// @param handshakeTimeout how long a client may take from connecting to entering
    ///                         transmission (or leaving) before it is disconnected
    public record Limits(int maxRequests, long maxInFlightBytes, int maxPayload, Duration drainGrace,
            Duration handshakeTimeout) {
        /// 64 requests, 64 MiB in flight, 32 MiB payload, 5 s grace, 60 s for the handshake.
        public static final Limits DEFAULT = new Limits(64, 64L << 20, 32 << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(60));

        public Limits {
            if (maxRequests < 1) {
                throw new IllegalArgumentException("maxRequests must be at least 1: " + maxRequests);
            }
            if (maxPayload < 64 * 1024 || maxPayload > 1 << 30) {
                throw new IllegalArgumentException("maxPayload must be between 64 KiB and 1 GiB: " + maxPayload);
            }
            if (maxInFlightBytes < maxPayload) {
                throw new IllegalArgumentException("maxInFlightBytes (" + maxInFlightBytes
                        + ") must be at least maxPayload (" + maxPayload + ")");
            }
            Objects.requireNonNull(drainGrace, "drainGrace");
            if (drainGrace.isNegative()) {
                throw new IllegalArgumentException("drainGrace must not be negative: " + drainGrace);
            }
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
                throw new IllegalArgumentException("handshakeTimeout must be positive: " + handshakeTimeout);
            }
        }

        /// These limits with another handshake timeout.
        public Limits withHandshakeTimeout(Duration timeout) {
            return new Limits(maxRequests, maxInFlightBytes, maxPayload, drainGrace, timeout);
        }
    }

    /// Where a server listens.
    public sealed interface Endpoint permits Tcp, Unix {
    }

    /// A TCP address; port 0 picks a free port (see [NbdServer#port()]).
    public record Tcp(String host, int port) implements Endpoint {
        public Tcp {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("TCP port must be between 0 and 65535: " + port);
            }
        }

        /// 127.0.0.1 on `port`.
        public static Tcp loopback(int port) {
            return new Tcp("127.0.0.1", port);
        }
    }

    /// A Unix domain socket at `path`, which must not exist yet.
    public record Unix(Path path) implements Endpoint {
        public Unix {
            Objects.requireNonNull(path, "socket path");
        }
    }

    private final ExportRegistry registry;
    private final Limits limits;
    private final ServerSocketChannel listener;
    private final Endpoint endpoint;
    private final Object lock = new Object();
    /// Live connections; guarded by `lock`.
    private final Set<NbdConnection> connections = new HashSet<>();
    /// Set once by [#close]; guarded by `lock`.
    private boolean closed;

    private NbdServer(ExportRegistry registry, Limits limits, ServerSocketChannel listener, Endpoint endpoint) {
        this.registry = registry;
        this.limits = limits;
        this.listener = listener;
        this.endpoint = endpoint;
    }

    /// Starts a server with [Limits#DEFAULT].
    public static NbdServer start(ExportRegistry registry, Endpoint endpoint) throws IOException {
        return start(registry, endpoint, Limits.DEFAULT);
    }

    /// Binds `endpoint` and starts accepting clients for the exports in `registry`.
    public static NbdServer start(ExportRegistry registry, Endpoint endpoint, Limits limits) throws IOException {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(limits, "limits");
        ServerSocketChannel ch;
        Endpoint bound;
        switch (endpoint) {
            case Tcp t -> {
                ch = ServerSocketChannel.open();
                try {
                    ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    ch.bind(new InetSocketAddress(t.host(), t.port()));
                } catch (IOException e) {
                    ch.close();
                    throw new IOException("cannot listen for NBD on " + t.host() + ":" + t.port() + ": " + e.getMessage(), e);
                }
                bound = new Tcp(t.host(), ((InetSocketAddress) ch.getLocalAddress()).getPort());
            }
            case Unix u -> {
                if (Files.exists(u.path(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("cannot listen for NBD on " + u.path() + ": the path already exists");
                }
                ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.bind(UnixDomainSocketAddress.of(u.path()));
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw new IOException("cannot listen for NBD on " + u.path() + ": " + e.getMessage(), e);
                }
                bound = u;
            }
        }
        NbdServer server = new NbdServer(registry, limits, ch, bound);
        // a platform thread at normal priority: the connection threads it starts inherit its
        // attributes, and a virtual thread's carrier may have been started by a background thread
        IoThreads.startPlatform("nbd-accept " + bound, server::acceptLoop);
        LOG.log(Level.INFO, () -> "NBD server listening on " + server.uri(""));
        return server;
    }

    /// The endpoint actually bound (a TCP port 0 replaced by the chosen port).
    public Endpoint endpoint() {
        return endpoint;
    }

    /// The bound TCP port; [IllegalStateException] for a Unix socket server.
    public int port() {
        if (endpoint instanceof Tcp t) {
            return t.port();
        }
        throw new IllegalStateException("this NBD server listens on a Unix socket, not a TCP port: " + endpoint);
    }

    /// The registry this server serves.
    public ExportRegistry registry() {
        return registry;
    }

    /// The number of open connections.
    public int connections() {
        synchronized (lock) {
            return connections.size();
        }
    }

    /// A URI for `exportName` that QEMU and libnbd understand: `nbd://127.0.0.1:PORT/name` or
    /// `nbd+unix:///name?socket=PATH`.
    public String uri(String exportName) {
        return switch (endpoint) {
            case Tcp t -> NbdUri.tcp(t.host(), t.port(), exportName);
            case Unix u -> NbdUri.unix(u.path(), exportName);
        };
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(Level.WARNING, () -> "NBD server on " + endpoint + " could not accept: " + e);
                if (isClosed()) {
                    return;
                }
                continue;
            }
            serve(c);
        }
    }

    private void serve(SocketChannel c) {
        String label;
        try {
            if (endpoint instanceof Tcp) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            label = "nbd #" + CONNECTION_IDS.incrementAndGet() + " " + peer(c);
        } catch (IOException e) {
            LOG.log(Level.INFO, () -> "NBD client on " + endpoint + " could not be set up: " + e);
            closeQuietly(c);
            return;
        }
        NbdConnection[] self = new NbdConnection[1];
        NbdConnection conn = new NbdConnection(c, label, registry, limits, () -> forget(self[0]));
        self[0] = conn;
        synchronized (lock) {
            if (closed) {
                closeQuietly(c);
                return;
            }
            connections.add(conn);
        }
        // a platform thread: a blocking socket read wakes it directly; a virtual thread needs the
        // poller and then a carrier, two more context switches per request (decision 0015); with a
        // short scheduler slice, so that a request's wake-up preempts CPU-bound work (decision 0017)
        IoThreads.startPlatform(label, () -> {
            Scheduling.shortSlice();
            conn.run();
        });
    }

    private static String peer(SocketChannel c) throws IOException {
        var a = c.getRemoteAddress();
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort() : "unix";
    }

    private void forget(NbdConnection c) {
        synchronized (lock) {
            connections.remove(c);
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "closing a refused NBD client failed: " + e);
        }
    }

    /// Stops listening, ends every connection after its in-flight requests, and removes the Unix
    /// socket file. Idempotent.
    @Override
    public void close() {
        List<NbdConnection> open;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(connections);
        }
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, () -> "closing the NBD listener on " + endpoint + " failed: " + e);
        }
        open.forEach(NbdConnection::stop);
        try {
            for (NbdConnection c : open) {
                while (!c.awaitEnd(Duration.ofSeconds(10))) {
                    LOG.log(Level.INFO, () -> "NBD server on " + endpoint + " still waiting for a connection to end");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.log(Level.WARNING, () -> "interrupted while closing the NBD server on " + endpoint);
        }
        if (endpoint instanceof Unix u) {
            try {
                Files.deleteIfExists(u.path());
            } catch (IOException e) {
                LOG.log(Level.WARNING, () -> "could not remove the NBD socket " + u.path() + ": " + e);
            }
        }
        LOG.log(Level.INFO, () -> "NBD server on " + endpoint + " closed");
    }
}
