package dev.shear.nbd;

import java.io.IOException;

/// The client broke a rule the server cannot recover from (a wrong magic number, unknown client
/// flags, an export name that does not exist with `NBD_OPT_EXPORT_NAME`, a payload too large to
/// skip): the connection logs the message once and closes.
final class ProtocolViolation extends IOException {
    ProtocolViolation(String message) {
        super(message);
    }
}
