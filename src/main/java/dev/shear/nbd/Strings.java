package dev.shear.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/// NBD strings: UTF-8, no NUL, at most [NbdProtocol#MAX_STRING] bytes.
final class Strings {
    private Strings() {
    }

    /// Throws [IllegalArgumentException] naming `what` unless `s` may be sent as an NBD string.
    static void checkWireString(String what, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + s.replace('\0', '?') + "' contains a NUL character");
        }
        int bytes = s.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NbdProtocol.MAX_STRING) {
            throw new IllegalArgumentException(what + " is " + bytes + " bytes of UTF-8; at most "
                    + NbdProtocol.MAX_STRING + " are allowed");
        }
    }

    /// Decodes strict UTF-8 (malformed input is an error, not replaced).
    static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    /// `s` as UTF-8, cut to at most [NbdProtocol#MAX_STRING] bytes on a character boundary.
    static byte[] utf8Capped(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= NbdProtocol.MAX_STRING) {
            return b;
        }
        int end = NbdProtocol.MAX_STRING;
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--;
        }
        return java.util.Arrays.copyOf(b, end);
    }
}
