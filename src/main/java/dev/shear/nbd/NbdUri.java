package dev.shear.nbd;

import java.io.ByteArrayOutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/// NBD URIs as QEMU and libnbd read them (the NBD URI specification): `nbd://HOST:PORT/NAME`
/// and `nbd+unix:///NAME?socket=PATH`, with the name and path percent-encoded. Built for the
/// server's [NbdServer#uri], parsed for the client's [NbdClientNode#connect].
final class NbdUri {
    private static final String FORMS = "nbd://HOST[:PORT]/NAME or nbd+unix:///NAME?socket=PATH";

    private NbdUri() {
    }

    /// What a URI names: where the server listens and which export to use ("" is the default export).
    record Target(NbdServer.Endpoint endpoint, String exportName) {
        /// `HOST:PORT` or the socket path, for messages.
        String address() {
            return switch (endpoint) {
                case NbdServer.Tcp t -> (t.host().contains(":") ? "[" + t.host() + "]" : t.host()) + ":" + t.port();
                case NbdServer.Unix u -> u.path().toString();
            };
        }
    }

    /// Parses `nbd://HOST[:PORT][/NAME]` (also `nbd+tcp://`; the port defaults to 10809) and
    /// `nbd+unix:///[NAME]?socket=PATH`. Anything else (TLS schemes, a missing socket, query
    /// parameters this client does not know) is an [IllegalArgumentException] naming the URI
    /// and the problem.
    static Target parse(String uri) {
        Objects.requireNonNull(uri, "NBD URI");
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw bad(uri, e.getReason() + " at index " + e.getIndex());
        }
        String scheme = u.getScheme();
        if (scheme == null) {
            throw bad(uri, "it has no scheme");
        }
        if (u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw bad(uri, "user info and fragments are not supported");
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        String name = path.isEmpty() ? "" : decode(uri, "export name", path.substring(1));
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "nbd", "nbd+tcp" -> new Target(tcpEndpoint(uri, u), name);
            case "nbd+unix" -> new Target(new NbdServer.Unix(Path.of(socket(uri, u))), name);
            case "nbds", "nbds+tcp", "nbds+unix" -> throw bad(uri, "TLS (" + scheme + ") is not supported by Shear");
            default -> throw bad(uri, "'" + scheme + "' is not an NBD scheme");
        };
    }

    private static NbdServer.Tcp tcpEndpoint(String uri, URI u) {
        if (u.getRawQuery() != null) {
            throw bad(uri, "query parameters are not supported with TCP");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) {
            throw bad(uri, "it names no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = u.getPort() == -1 ? NbdProtocol.DEFAULT_PORT : u.getPort();
        if (port < 1 || port > 65535) {
            throw bad(uri, "port " + port + " is not between 1 and 65535");
        }
        return new NbdServer.Tcp(host, port);
    }

    private static String socket(String uri, URI u) {
        if (u.getRawAuthority() != null) {
            throw bad(uri, "a Unix socket URI has no host (write nbd+unix:///NAME?socket=PATH)");
        }
        String socket = null;
        String query = u.getRawQuery() == null ? "" : u.getRawQuery();
        for (String param : query.split("&")) {
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            if (!key.equals("socket") || eq < 0) {
                throw bad(uri, "query parameter '" + key + "' is not supported (only socket=PATH)");
            }
            socket = decode(uri, "socket path", param.substring(eq + 1));
        }
        if (socket == null || socket.isEmpty()) {
            throw bad(uri, "it names no socket (add ?socket=PATH)");
        }
        return socket;
    }

    private static IllegalArgumentException bad(String uri, String problem) {
        return new IllegalArgumentException("'" + uri + "' is not a usable NBD URI: " + problem + " (expected "
                + FORMS + ")");
    }

    /// Percent-decodes `raw` as UTF-8 (a `+` stays a plus, as in any URI path).
    static String decode(String uri, String what, String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length()) {
            int pct = raw.indexOf('%', i);
            bytes.writeBytes(raw.substring(i, pct < 0 ? raw.length() : pct).getBytes(StandardCharsets.UTF_8));
            if (pct < 0) {
                break;
            }
            int hi = pct + 2 < raw.length() ? Character.digit(raw.charAt(pct + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(raw.charAt(pct + 2), 16) : -1;
            if (lo < 0) {
                throw bad(uri, "the " + what + " has a bad percent escape at '" + raw.substring(pct) + "'");
            }
            bytes.write(hi << 4 | lo);
            i = pct + 3;
        }
        try {
            return Strings.decode(bytes.toByteArray());
        } catch (CharacterCodingException e) {
            throw bad(uri, "the " + what + " is not valid UTF-8 once decoded");
        }
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
