package dev.shear.nbd;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;

/// A cursor over an option's data; anything that does not fit is `NBD_REP_ERR_INVALID`.
final class OptionData {
    private final String option;
    private final ByteBuffer b;

    OptionData(int option, byte[] data) {
        this.option = NbdProtocol.optionName(option);
        this.b = ByteBuffer.wrap(data);
    }

    private OptionRefused invalid(String what) {
        return new OptionRefused(NbdProtocol.REP_ERR_INVALID, option + ": " + what);
    }

    long uint32(String field) throws OptionRefused {
        if (b.remaining() < 4) {
            throw invalid("data ends before the " + field);
        }
        return b.getInt() & 0xFFFF_FFFFL;
    }

    int uint16(String field) throws OptionRefused {
        if (b.remaining() < 2) {
            throw invalid("data ends before the " + field);
        }
        return b.getShort() & 0xFFFF;
    }

    /// A string of `length` bytes: valid UTF-8, no NUL, at most 4096 bytes.
    String string(long length, String field) throws OptionRefused {
        if (length > b.remaining()) {
            throw invalid(field + " of " + length + " bytes is longer than the " + b.remaining()
                    + " bytes of data left");
        }
        if (length > NbdProtocol.MAX_STRING) {
            throw invalid(field + " of " + length + " bytes is longer than " + NbdProtocol.MAX_STRING);
        }
        byte[] raw = new byte[(int) length];
        b.get(raw);
        try {
            String s = Strings.decode(raw);
            if (s.indexOf('\0') >= 0) {
                throw invalid(field + " contains a NUL character");
            }
            return s;
        } catch (CharacterCodingException e) {
            throw invalid(field + " is not valid UTF-8");
        }
    }

    /// Fails unless every byte was consumed.
    void end() throws OptionRefused {
        if (b.hasRemaining()) {
            throw invalid(b.remaining() + " unexpected bytes after the data");
        }
    }
}
