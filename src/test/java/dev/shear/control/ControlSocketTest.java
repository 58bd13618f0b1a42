package dev.shear.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlSocketTest {
    @TempDir
    Path dir;

    private ControlServer echo(Path socket) throws Exception {
        return ControlServer.start(socket, (cmd, args, events) -> switch (cmd) {
            case "count" -> {
                for (int i = 1; i <= args.path("to").asInt(); i++) {
                    try {
                        events.send(Map.of("n", i));
                    } catch (java.io.IOException e) {
                        throw new ControlException(ControlProtocol.FAILED, "client gone");
                    }
                }
                yield JsonNodeFactory.instance.textNode("done");
            }
            case "fail" -> throw new ControlException(ControlProtocol.CONFLICT, "guest 100 is locked (backup)");
            default -> throw new ControlException(ControlProtocol.USAGE, "unknown command '" + cmd + "'");
        });
    }

    @Test
    void streamsEventsThenTheResult() throws Exception {
        Path socket = dir.resolve("run/guest-100.sock");
        try (ControlServer s = echo(socket)) {
            assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            List<Integer> seen = new ArrayList<>();
            JsonNode r = ControlClient.call(socket, "count", Map.of("to", 5), e -> seen.add(e.path("n").asInt()));
            assertThat(r.asText()).isEqualTo("done");
            assertThat(seen).containsExactly(1, 2, 3, 4, 5);
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    void errorsCarryTheirCodeAndMessage() throws Exception {
        Path socket = dir.resolve("c.sock");
        try (ControlServer s = echo(socket)) {
            assertThatThrownBy(() -> ControlClient.call(socket, "fail", null, e -> { }))
                    .isInstanceOf(ControlException.class).hasMessage("guest 100 is locked (backup)")
                    .extracting(e -> ((ControlException) e).code()).isEqualTo(ControlProtocol.CONFLICT);
            assertThatThrownBy(() -> ControlClient.call(socket, "dance", null, e -> { }))
                    .hasMessageContaining("unknown command 'dance'");
        }
    }

    @Test
    void wrongVersionAndGarbageGetClearAnswersAndTheServerGoesOn() throws Exception {
        Path socket = dir.resolve("c.sock");
        try (ControlServer s = echo(socket)) {
            assertThat(rawExchange(socket, "{\"v\":99,\"id\":3,\"cmd\":\"count\"}\n"))
                    .contains("\"ok\":false").contains("version 99 is not supported");
            assertThat(rawExchange(socket, "this is not json\n")).contains("not a JSON request");
            assertThat(ControlClient.call(socket, "count", Map.of("to", 1), e -> { }).asText()).isEqualTo("done");
        }
    }

    @Test
    void staleSocketFileIsReplacedAndAMissingServerIsReportedClearly() throws Exception {
        Path socket = dir.resolve("c.sock");
        Files.writeString(socket, "stale");
        assertThat(ControlClient.reachable(socket)).isFalse();
        try (ControlServer s = echo(socket)) {
            assertThat(ControlClient.reachable(socket)).isTrue();
        }
        assertThatThrownBy(() -> ControlClient.call(socket, "count", null, e -> { }))
                .isInstanceOf(java.io.IOException.class);
    }

    private static String rawExchange(Path socket, String request) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8)).readLine();
        }
    }
}
