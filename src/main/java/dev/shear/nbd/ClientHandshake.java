package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/// The client side of the fixed-newstyle handshake, from the greeting to transmission:
/// `NBD_OPT_STRUCTURED_REPLY`, then `NBD_OPT_SET_META_CONTEXT` for `base:allocation` (when
/// structured replies were agreed), then `NBD_OPT_GO` asking for `NBD_INFO_BLOCK_SIZE`, or
/// `NBD_OPT_EXPORT_NAME` when the server does not support GO.
///
/// Every failure is an [IOException] saying what the server answered; the caller closes the socket.
final class ClientHandshake {
    /// Option replies longer than this are a broken server (the longest legitimate one is a
    /// string of at most 4096 bytes with a few fields).
    private static final int MAX_REPLY = 64 * 1024;

    private final WireReader in;
    private final WritableByteChannel out;

    ClientHandshake(WireReader in, WritableByteChannel out) {
        this.in = in;
        this.out = out;
    }

    private record OptionReply(int type, byte[] data) {
        boolean isError() {
            return (type & REP_FLAG_ERROR) != 0;
        }

        String message() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /// Negotiates and enters transmission on export `name`.
    RemoteExport run(String name) throws IOException {
        boolean noZeroes = greeting();
        boolean structured = !option(OPT_STRUCTURED_REPLY, new byte[0]).isError();
        int contextId = structured ? allocationContext(name) : RemoteExport.NO_CONTEXT;
        Optional<RemoteExport> go = go(name, structured, contextId);
        return go.isPresent() ? go.get() : exportName(name, noZeroes, structured, contextId);
    }

    /// Tells the server the client gives up (best effort; the socket is closed next anyway).
    void abort() throws IOException {
        send(OPT_ABORT, new byte[0]);
    }

    /// Reads the greeting and answers with the client flags; true when both sides skip the zeroes.
    private boolean greeting() throws IOException {
        long magic = in.readLong();
        if (magic != NBDMAGIC) {
            throw new IOException(String.format("the peer is not an NBD server (it greeted with 0x%016x)", magic));
        }
        long style = in.readLong();
        if (style == OLDSTYLE_MAGIC) {
            throw new IOException("the server speaks only the oldstyle handshake, which Shear does not support");
        }
        if (style != IHAVEOPT) {
            throw new IOException(String.format("the server sent 0x%016x where IHAVEOPT belongs", style));
        }
        int flags = in.readShort();
        if ((flags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw new IOException("the server does not offer fixed newstyle negotiation, which Shear needs");
        }
        boolean noZeroes = (flags & FLAG_NO_ZEROES) != 0;
        write(ByteBuffer.allocate(4).putInt(FLAG_C_FIXED_NEWSTYLE | (noZeroes ? FLAG_C_NO_ZEROES : 0)).flip());
        return noZeroes;
    }

    /// Selects `base:allocation`; its id (QEMU numbers it 0), or [RemoteExport#NO_CONTEXT] when
    /// the server offers no such context.
    private int allocationContext(String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] q = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
        byte[] data = ByteBuffer.allocate(12 + n.length + q.length).putInt(n.length).put(n).putInt(1)
                .putInt(q.length).put(q).array();
        send(OPT_SET_META_CONTEXT, data);
        int id = RemoteExport.NO_CONTEXT;
        while (true) {
            OptionReply r = reply(OPT_SET_META_CONTEXT);
            if (r.type() == REP_ACK || r.isError()) {
                return r.isError() ? RemoteExport.NO_CONTEXT : id;
            }
            if (r.type() != REP_META_CONTEXT || r.data().length < 4) {
                throw new IOException("the server answered NBD_OPT_SET_META_CONTEXT with " + replyName(r.type())
                        + " of " + r.data().length + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(r.data());
            int candidate = b.getInt();
            if (new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8).equals(BASE_ALLOCATION)) {
                id = candidate;
            }
        }
    }

    /// `NBD_OPT_GO`; empty when the server does not support it (the caller falls back).
    private Optional<RemoteExport> go(String name, boolean structured, int contextId) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        send(OPT_GO, ByteBuffer.allocate(8 + n.length).putInt(n.length).put(n).putShort((short) 1)
                .putShort((short) INFO_BLOCK_SIZE).array());
        long size = -1;
        int flags = 0;
        long[] blocks = {RemoteExport.DEFAULT_MIN_BLOCK, RemoteExport.DEFAULT_PREFERRED_BLOCK, RemoteExport.PAYLOAD_CAP};
        while (true) {
            OptionReply r = reply(OPT_GO);
            if (r.type() == REP_ERR_UNSUP) {
                return Optional.empty();
            }
            if (r.type() == REP_ERR_UNKNOWN) {
                throw new IOException("there is no export named '" + name + "'" + detail(r));
            }
            if (r.isError()) {
                throw new IOException("the server refused export '" + name + "' with " + replyName(r.type()) + detail(r));
            }
            if (r.type() == REP_ACK) {
                if (size < 0) {
                    throw new IOException("the server accepted export '" + name + "' without telling its size");
                }
                return Optional.of(RemoteExport.of(name, size, flags, blocks[0], blocks[1], blocks[2], structured,
                        contextId));
            }
            if (r.type() != REP_INFO || r.data().length < 2) {
                throw new IOException("the server answered NBD_OPT_GO with " + replyName(r.type()));
            }
            ByteBuffer b = ByteBuffer.wrap(r.data());
            int info = b.getShort() & 0xFFFF;
            if (info == INFO_EXPORT && b.remaining() == 10) {
                size = b.getLong();
                flags = b.getShort() & 0xFFFF;
            } else if (info == INFO_BLOCK_SIZE && b.remaining() == 12) {
                for (int i = 0; i < 3; i++) {
                    blocks[i] = b.getInt() & 0xFFFF_FFFFL;
                }
            } else if (info == INFO_EXPORT || info == INFO_BLOCK_SIZE) {
                throw new IOException("the server sent a malformed NBD_REP_INFO of type " + info);
            }
        }
    }

    private static String detail(OptionReply r) {
        return r.data().length == 0 ? "" : " (the server says: " + r.message() + ")";
    }

    /// The old way in, for servers without `NBD_OPT_GO`: no error reply, a closed socket instead.
    private RemoteExport exportName(String name, boolean noZeroes, boolean structured, int contextId)
            throws IOException {
        send(OPT_EXPORT_NAME, name.getBytes(StandardCharsets.UTF_8));
        try {
            long size = in.readLong();
            int flags = in.readShort();
            if (!noZeroes) {
                in.skip(124);
            }
            return RemoteExport.of(name, size, flags, RemoteExport.DEFAULT_MIN_BLOCK,
                    RemoteExport.DEFAULT_PREFERRED_BLOCK, RemoteExport.PAYLOAD_CAP, structured, contextId);
        } catch (EOFException e) {
            throw new IOException("the server closed the connection when asked for export '" + name
                    + "' with NBD_OPT_EXPORT_NAME (it has no such export, or refused it)", e);
        }
    }

    /// Sends an option that has a single reply, and returns that reply.
    private OptionReply option(int option, byte[] data) throws IOException {
        send(option, data);
        OptionReply r = reply(option);
        if (r.type() != REP_ACK && !r.isError()) {
            throw new IOException("the server answered " + optionName(option) + " with " + replyName(r.type()));
        }
        return r;
    }

    private void send(int option, byte[] data) throws IOException {
        write(ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(option).putInt(data.length).put(data)
                .flip());
    }

    private OptionReply reply(int option) throws IOException {
        long magic = in.readLong();
        if (magic != OPTION_REPLY_MAGIC) {
            throw new IOException(String.format("the server sent 0x%016x where an option reply belongs", magic));
        }
        int echoed = in.readInt();
        int type = in.readInt();
        long length = in.readInt() & 0xFFFF_FFFFL;
        if (echoed != option) {
            throw new IOException("the server answered " + optionName(echoed) + " when asked " + optionName(option));
        }
        if (length > MAX_REPLY) {
            throw new IOException("the server's answer to " + optionName(option) + " is " + length + " bytes long");
        }
        return new OptionReply(type, in.readBytes((int) length));
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
