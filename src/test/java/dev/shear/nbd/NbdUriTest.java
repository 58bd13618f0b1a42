package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/// Parsing NBD URIs, and round trips with the URIs the server builds.
class NbdUriTest {

    @Test
    void tcpUrisGiveHostPortAndName() {
        NbdUri.Target t = NbdUri.parse("nbd://127.0.0.1:10900/disk");
        assertThat(t.endpoint()).isEqualTo(new NbdServer.Tcp("127.0.0.1", 10900));
        assertThat(t.exportName()).isEqualTo("disk");
        assertThat(t.address()).isEqualTo("127.0.0.1:10900");
    }

    @Test
    void theDefaultPortAndTheDefaultExportNeedNotBeWritten() {
        assertThat(NbdUri.parse("nbd://example.org").endpoint()).isEqualTo(new NbdServer.Tcp("example.org", 10809));
        assertThat(NbdUri.parse("nbd://example.org").exportName()).isEmpty();
        assertThat(NbdUri.parse("nbd+tcp://example.org/").exportName()).isEmpty();
        assertThat(NbdUri.parse("NBD://h/x").exportName()).isEqualTo("x");
    }

    @Test
    void ipv6HostsLoseTheirBrackets() {
        NbdUri.Target t = NbdUri.parse("nbd://[::1]:5000/a");
        assertThat(t.endpoint()).isEqualTo(new NbdServer.Tcp("::1", 5000));
        assertThat(t.address()).isEqualTo("[::1]:5000");
    }

    @Test
    void unixUrisGiveTheSocketPath() {
        NbdUri.Target t = NbdUri.parse("nbd+unix:///vm-100-disk-0?socket=/run/shear/nbd.sock");
        assertThat(t.endpoint()).isEqualTo(new NbdServer.Unix(Path.of("/run/shear/nbd.sock")));
        assertThat(t.exportName()).isEqualTo("vm-100-disk-0");
        assertThat(NbdUri.parse("nbd+unix://?socket=/s").exportName()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"disk", "", "a b/ü", "100%+x", "😀?#&="})
    void namesAndPathsSurviveARoundTripThroughTheServersUris(String name) {
        assertThat(NbdUri.parse(NbdUri.tcp("0.0.0.0", 1234, name)))
                .isEqualTo(new NbdUri.Target(new NbdServer.Tcp("127.0.0.1", 1234), name));
        Path socket = Path.of("/tmp/dir with space/ä%.sock");
        assertThat(NbdUri.parse(NbdUri.unix(socket, name)))
                .isEqualTo(new NbdUri.Target(new NbdServer.Unix(socket), name));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "disk                          | it has no scheme",
            "http://h/disk                 | 'http' is not an NBD scheme",
            "nbds://h/disk                 | TLS (nbds) is not supported",
            "nbds+unix:///d?socket=/s      | TLS (nbds+unix) is not supported",
            "nbd://h:0/disk                | port 0 is not between 1 and 65535",
            "nbd:///disk                   | it names no host",
            "nbd://h/disk?tls=on           | query parameters are not supported with TCP",
            "nbd+unix:///disk              | it names no socket",
            "nbd+unix://host/disk?socket=/s| a Unix socket URI has no host",
            "nbd+unix:///d?socket=/s&x=1   | query parameter 'x' is not supported",
            "nbd://h/a%zz                  | Malformed escape pair",
            "nbd://h/a%C3                  | not valid UTF-8",
            "nbd://u@h/disk                | user info and fragments are not supported",
            "nbd://h/a b                   | Illegal character in path"})
    void badUrisAreRefusedNamingTheUriAndTheProblem(String uri, String problem) {
        assertThatThrownBy(() -> NbdUri.parse(uri)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + uri + "' is not a usable NBD URI").hasMessageContaining(problem)
                .hasMessageContaining("nbd://HOST[:PORT]/NAME");
    }
}
