package dev.shear.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/// Sends one command to a [ControlServer] and streams its events back.
public final class ControlClient {
    private static final ObjectMapper JSON = ControlProtocol.mapper();

    private ControlClient() {
    }

    /// True when something answers on `socket`.
    public static boolean reachable(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /// Runs `cmd` with `args` on the server at `socket`; `events` receives each streamed event.
    ///
    /// @throws ControlException when the command failed (with the server's code and message)
    /// @throws IOException      when the server cannot be reached or goes away
    public static JsonNode call(Path socket, String cmd, Object args, Consumer<JsonNode> events)
            throws IOException, ControlException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(c);
            ObjectNode req = JSON.createObjectNode().put("v", ControlProtocol.VERSION).put("id", 1).put("cmd", cmd);
            req.set("args", args == null ? JSON.createObjectNode() : JSON.valueToTree(args));
            out.write((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode msg = JSON.readTree(line);
                if ("event".equals(msg.path("type").asText())) {
                    events.accept(msg.path("event"));
                } else if ("result".equals(msg.path("type").asText())) {
                    if (msg.path("ok").asBoolean(false)) {
                        return msg.path("result");
                    }
                    throw new ControlException(msg.path("code").asText(ControlProtocol.INTERNAL),
                            msg.path("error").asText("unknown error"));
                }
            }
            throw new IOException("the Shear process behind " + socket + " closed the connection before answering");
        }
    }
}
