package dev.shear.nbd;

import java.nio.ByteBuffer;

/// One transmission-phase request as read from the wire.
///
/// @param flags   command flags
/// @param type    command type
/// @param cookie  the client's handle, echoed in every reply
/// @param offset  unsigned 64-bit offset (negative here means ≥ 2^63, past any export)
/// @param length  unsigned 32-bit length
/// @param payload the data of a WRITE (null for other commands)
record Request(int flags, int type, long cookie, long offset, long length, ByteBuffer payload) {

    String describe() {
        return NbdProtocol.commandName(type) + " " + Long.toUnsignedString(offset) + "+" + length;
    }
}
