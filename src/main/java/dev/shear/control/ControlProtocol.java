package dev.shear.control;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/// The control socket's wire format: one JSON object per line (UTF-8), versioned.
///
/// * request: `{"v":1,"id":7,"cmd":"backup","args":{…}}`
/// * event (zero or more, streamed while the command runs): `{"v":1,"id":7,"type":"event","event":{…}}`
/// * the end: `{"v":1,"id":7,"type":"result","ok":true,"result":{…}}` or
///   `{"v":1,"id":7,"type":"result","ok":false,"error":"…","code":"usage|conflict|failed|internal"}`
///
/// A request of another major version is answered with an error naming both versions; a line that
/// is not JSON closes the connection after an error reply. One command runs at a time per
/// connection; clients open one connection per command.
public final class ControlProtocol {
    /// The protocol version this build speaks.
    public static final int VERSION = 1;
    /// Longest accepted line (bytes): a request never needs more.
    public static final int MAX_LINE = 1 << 20;

    /// Error codes (the CLI maps them to exit codes).
    public static final String USAGE = "usage";
    public static final String CONFLICT = "conflict";
    public static final String FAILED = "failed";
    public static final String INTERNAL = "internal";

    private ControlProtocol() {
    }

    /// The JSON mapper both ends use (java.time as ISO strings).
    public static ObjectMapper mapper() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
