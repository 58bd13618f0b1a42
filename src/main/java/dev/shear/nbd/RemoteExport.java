package dev.shear.nbd;

import java.io.IOException;

/// What a client learned about an export during the handshake: its shape, what the server lets it
/// send, and what the connection negotiated.
///
/// @param name                the export name
/// @param size                the export size in bytes
/// @param flags               the transmission flags (`NBD_FLAG_*`)
/// @param minBlock            minimum block size: every offset and length is a multiple of it
/// @param preferredBlock      preferred block size (a power of two ≥ minBlock)
/// @param maxPayload          the largest READ or WRITE this client sends: the server's maximum,
///                            capped at [#PAYLOAD_CAP] and rounded down to a multiple of minBlock
/// @param structured          structured replies were negotiated
/// @param allocationContextId the id of `base:allocation` (any 32-bit value; QEMU uses 0), or
///                            [#NO_CONTEXT] when it was not selected
record RemoteExport(String name, long size, int flags, int minBlock, int preferredBlock, int maxPayload,
        boolean structured, int allocationContextId) {

    /// The largest payload sent at once even to a server that accepts more (32 MiB: every server
    /// must accept that much, and it bounds the memory one request pins).
    static final int PAYLOAD_CAP = 32 << 20;

    /// The context id meaning "`base:allocation` was not selected". Servers number contexts from
    /// 0 or 1 upwards; none hands out 2^32 − 1 to a client that asked for one context.
    static final int NO_CONTEXT = -1;

    /// Size constraints when the server sent none: the protocol's defaults.
    static final int DEFAULT_MIN_BLOCK = 1;
    static final int DEFAULT_PREFERRED_BLOCK = 4096;

    /// An export described by the server's numbers, after checking they make sense.
    static RemoteExport of(String name, long size, int flags, long min, long preferred, long max, boolean structured,
            int allocationContextId) throws IOException {
        if (size < 0) {
            throw new IOException("the server announced an export size of " + Long.toUnsignedString(size)
                    + " bytes, more than this client can address");
        }
        if ((flags & NbdProtocol.FLAG_HAS_FLAGS) == 0) {
            throw new IOException(String.format("the server's transmission flags 0x%x lack NBD_FLAG_HAS_FLAGS", flags));
        }
        if (!powerOfTwo(min) || min > 65536 || !powerOfTwo(preferred) || preferred < min || max < preferred) {
            throw new IOException("the server announced impossible block sizes: minimum " + min + ", preferred "
                    + preferred + ", maximum " + max);
        }
        int payload = (int) (Math.min(max, PAYLOAD_CAP) / min * min);
        return new RemoteExport(name, size, flags, (int) min, (int) preferred, payload, structured,
                allocationContextId);
    }

    private static boolean powerOfTwo(long v) {
        return v > 0 && (v & (v - 1)) == 0;
    }

    boolean hasAllocationContext() {
        return allocationContextId != NO_CONTEXT;
    }

    boolean readOnly() {
        return has(NbdProtocol.FLAG_READ_ONLY);
    }

    /// True when the server set transmission flag `flag`.
    boolean has(int flag) {
        return (flags & flag) == flag;
    }
}
