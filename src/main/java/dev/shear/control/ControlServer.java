package dev.shear.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/// Serves commands on a Unix socket readable and writable only by its owner (mode 0600): the way a
/// `shear backup` in one terminal talks to the `shear run` that hosts the guest, and the app to
/// guests run by other processes. See [ControlProtocol] for the format.
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());

    /// Runs one command. Events go to `events` while it runs; the return value is the result.
    public interface Handler {
        JsonNode handle(String cmd, JsonNode args, Events events) throws ControlException;
    }

    /// Streams events of the running command to its client.
    public interface Events {
        void send(Object event) throws IOException;

        /// Runs `action` once the command's result has been sent (e.g. stopping the process).
        void afterReply(Runnable action);
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final ObjectMapper json = ControlProtocol.mapper();
    private final Set<SocketChannel> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler) {
        this.path = path;
        this.server = server;
        this.handler = handler;
    }

    /// Binds `path` (a stale socket file left by a dead process is replaced) with mode 0600 and
    /// starts accepting.
    public static ControlServer start(Path path, Handler handler) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            ch.close();
            throw new IOException("cannot open control socket " + path + ": " + e.getMessage(), e);
        }
        ControlServer s = new ControlServer(path, ch, handler);
        Thread.ofPlatform().name("shear-control-accept").daemon().start(s::acceptLoop);
        return s;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                clients.add(c);
                Thread.ofVirtual().name("shear-control-client").start(() -> serve(c));
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "control socket " + path + ": accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c),
                StandardCharsets.UTF_8)); OutputStream out = Channels.newOutputStream(c)) {
            String line;
            while ((line = readLine(in)) != null) {
                if (!answer(line, out)) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "control client went away: " + e.getMessage());
        } finally {
            clients.remove(c);
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int ch;
        while ((ch = in.read()) >= 0) {
            if (ch == '\n') {
                return sb.toString();
            }
            if (sb.length() >= ControlProtocol.MAX_LINE) {
                throw new IOException("request line longer than " + ControlProtocol.MAX_LINE + " bytes");
            }
            sb.append((char) ch);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    /// Answers one request; false when the connection must close.
    private boolean answer(String line, OutputStream out) throws IOException {
        JsonNode req;
        try {
            req = json.readTree(line);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            write(out, error(0, ControlProtocol.USAGE, "not a JSON request: " + e.getOriginalMessage()));
            return false;
        }
        long id = req.path("id").asLong(0);
        int v = req.path("v").asInt(-1);
        if (v != ControlProtocol.VERSION) {
            write(out, error(id, ControlProtocol.USAGE, "control protocol version " + v + " is not supported (this Shear "
                    + "speaks version " + ControlProtocol.VERSION + ")"));
            return true;
        }
        String cmd = req.path("cmd").asText("");
        JsonNode args = req.path("args");
        java.util.List<Runnable> after = new java.util.ArrayList<>();
        try {
            JsonNode result = handler.handle(cmd, args, new Events() {
                @Override
                public void send(Object event) throws IOException {
                    ObjectNode e = json.createObjectNode().put("v", ControlProtocol.VERSION).put("id", id)
                            .put("type", "event");
                    e.set("event", json.valueToTree(event));
                    write(out, e);
                }

                @Override
                public void afterReply(Runnable action) {
                    after.add(action);
                }
            });
            ObjectNode r = json.createObjectNode().put("v", ControlProtocol.VERSION).put("id", id).put("type", "result")
                    .put("ok", true);
            r.set("result", result == null ? json.nullNode() : result);
            write(out, r);
            after.forEach(Runnable::run);
        } catch (ControlException e) {
            write(out, error(id, e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "control command '" + cmd + "' failed", e);
            write(out, error(id, ControlProtocol.INTERNAL, "internal error: " + e));
        }
        return true;
    }

    private ObjectNode error(long id, String code, String message) {
        return json.createObjectNode().put("v", ControlProtocol.VERSION).put("id", id).put("type", "result")
                .put("ok", false).put("code", code).put("error", message);
    }

    private void write(OutputStream out, JsonNode node) throws IOException {
        byte[] b = (json.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(b);
            out.flush();
        }
    }

    /// Stops accepting, disconnects clients and removes the socket file.
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (SocketChannel c : clients) {
            c.close();
        }
        Files.deleteIfExists(path);
    }
}
