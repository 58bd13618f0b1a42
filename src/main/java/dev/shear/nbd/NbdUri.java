package dev.shear.nbd;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/// NBD URIs as QEMU and libnbd read them (the NBD URI specification): `nbd://HOST:PORT/NAME`
/// and `nbd+unix:///NAME?socket=PATH`, with the name and path percent-encoded.
final class NbdUri {
    private NbdUri() {
    }

    /// A TCP URI; a wildcard bind address becomes the loopback address a local client can reach.
    static String tcp(String host, int port, String exportName) {
        return "nbd://" + host(host) + ":" + port + "/" + encode(exportName, false);
    }

    static String unix(Path socket, String exportName) {
        return "nbd+unix:///" + encode(exportName, false) + "?socket="
                + encode(socket.toAbsolutePath().toString(), true);
    }

    private static String host(String host) {
        try {
            InetAddress a = InetAddress.ofLiteral(host);
            if (a.isAnyLocalAddress()) {
                return a instanceof Inet6Address ? "[::1]" : "127.0.0.1";
            }
            return a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        } catch (IllegalArgumentException notALiteral) {
            return host;
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (and `/` when `keepSlash`).
    static String encode(String s, boolean keepSlash) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xFF);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
            if (plain) {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
