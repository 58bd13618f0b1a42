package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/// A hand-written NBD client for tests: every byte it sends is under the test's control, so it
/// can also send what real clients never would. Reads and writes may happen on different threads.
final class RawNbdClient implements AutoCloseable {
    final SocketChannel ch;
    private final AtomicLong cookies = new AtomicLong(1);
    /// Cookie → length of simple-reply READs in flight (a simple reply carries no length).
    private final Map<Long, Integer> simpleReads = new ConcurrentHashMap<>();
    int handshakeFlags;
    boolean structured;
    ExportGeometryView export;

    /// Size and transmission flags of the export entered.
    record ExportGeometryView(long size, int flags) {
    }

    record OptionReply(int option, int type, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    sealed interface Reply permits Simple, Chunk {
        long cookie();
    }

    record Simple(int error, long cookie, byte[] data) implements Reply {
    }

    record Chunk(int flags, int type, long cookie, byte[] payload) implements Reply {
        boolean done() {
            return (flags & REPLY_FLAG_DONE) != 0;
        }

        ByteBuffer buf() {
            return ByteBuffer.wrap(payload);
        }
    }

    /// All chunks of one structured reply, and the data they describe assembled.
    record Structured(List<Chunk> chunks, byte[] data, int error) {
        List<Integer> types() {
            return chunks.stream().map(Chunk::type).toList();
        }
    }

    private RawNbdClient(SocketChannel ch) {
        this.ch = ch;
    }

    static RawNbdClient connect(NbdServer server) throws IOException {
        return connect(server, 0);
    }

    /// Connects with a socket receive buffer of `receiveBuffer` bytes (0: the system's default).
    static RawNbdClient connect(NbdServer server, int receiveBuffer) throws IOException {
        SocketChannel ch = switch (server.endpoint()) {
            case NbdServer.Tcp t -> {
                SocketChannel c = SocketChannel.open();
                if (receiveBuffer > 0) {
                    c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, receiveBuffer);
                }
                c.connect(new InetSocketAddress(t.host(), t.port()));
                yield c;
            }
            case NbdServer.Unix u -> {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(UnixDomainSocketAddress.of(u.path()));
                yield c;
            }
        };
        return new RawNbdClient(ch);
    }

    /// Connects, greets with fixed newstyle + no zeroes, negotiates structured replies if asked,
    /// and enters transmission on `export` with NBD_OPT_GO.
    static RawNbdClient open(NbdServer server, String export, boolean structured) throws IOException {
        return open(server, export, structured, 0);
    }

    /// [#open(NbdServer, String, boolean)] with the socket receive buffer of [#connect(NbdServer, int)].
    static RawNbdClient open(NbdServer server, String export, boolean structured, int receiveBuffer)
            throws IOException {
        RawNbdClient c = connect(server, receiveBuffer);
        c.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        if (structured) {
            c.structuredReplies();
        }
        c.go(export);
        return c;
    }

    // ---- raw bytes -------------------------------------------------------------------------

    void send(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    void send(byte[] b) throws IOException {
        send(ByteBuffer.wrap(b));
    }

    byte[] readN(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("server closed after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    /// True when the server closed the connection (the next read sees end of stream, or a reset).
    boolean closedByServer() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        try {
            return ch.read(b) < 0;
        } catch (IOException reset) {
            return reset.getMessage() != null && reset.getMessage().contains("reset");
        }
    }

    // ---- handshake -------------------------------------------------------------------------

    void greet(int clientFlags) throws IOException {
        ByteBuffer g = ByteBuffer.wrap(readN(18));
        assertThat(g.getLong()).as("NBDMAGIC").isEqualTo(NBDMAGIC);
        assertThat(g.getLong()).as("IHAVEOPT").isEqualTo(IHAVEOPT);
        handshakeFlags = g.getShort() & 0xFFFF;
        send(ByteBuffer.allocate(4).putInt(clientFlags).flip());
    }

    void sendOption(int option, byte[] data) throws IOException {
        send(ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(option).putInt(data.length).put(data).flip());
    }

    OptionReply readOptionReply() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(readN(20));
        assertThat(h.getLong()).as("option reply magic").isEqualTo(OPTION_REPLY_MAGIC);
        int option = h.getInt();
        int type = h.getInt();
        int len = h.getInt();
        return new OptionReply(option, type, readN(len));
    }

    /// Sends an option and reads replies up to the final one (ACK or an error).
    List<OptionReply> option(int option, byte[] data) throws IOException {
        sendOption(option, data);
        List<OptionReply> replies = new ArrayList<>();
        while (true) {
            OptionReply r = readOptionReply();
            assertThat(r.option()).as("option echoed").isEqualTo(option);
            replies.add(r);
            if (r.type() == REP_ACK || r.type() < 0) {
                return replies;
            }
        }
    }

    static int last(List<OptionReply> replies) {
        return replies.getLast().type();
    }

    void structuredReplies() throws IOException {
        assertThat(last(option(OPT_STRUCTURED_REPLY, new byte[0]))).isEqualTo(REP_ACK);
        structured = true;
    }

    static byte[] infoRequest(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + n.length + 2 + 2 * infos.length).putInt(n.length).put(n)
                .putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    /// NBD_OPT_GO; fails the test unless it succeeds.
    void go(String name) throws IOException {
        List<OptionReply> r = option(OPT_GO, infoRequest(name, INFO_BLOCK_SIZE));
        assertThat(last(r)).as("GO reply: %s", r.getLast().text()).isEqualTo(REP_ACK);
        ByteBuffer info = ByteBuffer.wrap(r.stream().filter(x -> x.type() == REP_INFO
                && ByteBuffer.wrap(x.data()).getShort() == INFO_EXPORT).findFirst().orElseThrow().data());
        info.getShort();
        export = new ExportGeometryView(info.getLong(), info.getShort() & 0xFFFF);
    }

    static byte[] metaRequest(String export, String... queries) {
        int len = 4 + export.getBytes(StandardCharsets.UTF_8).length + 4;
        for (String q : queries) {
            len += 4 + q.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        byte[] e = export.getBytes(StandardCharsets.UTF_8);
        b.putInt(e.length).put(e).putInt(queries.length);
        for (String q : queries) {
            byte[] qb = q.getBytes(StandardCharsets.UTF_8);
            b.putInt(qb.length).put(qb);
        }
        return b.array();
    }

    /// The name → id map from a successful LIST or SET_META_CONTEXT reply list.
    static Map<String, Integer> contexts(List<OptionReply> replies) {
        assertThat(last(replies)).as("meta context reply: %s", replies.getLast().text()).isEqualTo(REP_ACK);
        Map<String, Integer> m = new LinkedHashMap<>();
        for (OptionReply r : replies.subList(0, replies.size() - 1)) {
            assertThat(r.type()).isEqualTo(REP_META_CONTEXT);
            ByteBuffer b = ByteBuffer.wrap(r.data());
            int id = b.getInt();
            m.put(new String(r.data(), 4, r.data().length - 4, StandardCharsets.UTF_8), id);
        }
        return m;
    }

    // ---- transmission ----------------------------------------------------------------------

    /// Sends a request and returns its cookie.
    long request(int flags, int type, long offset, long length, byte[] payload) throws IOException {
        long cookie = cookies.getAndIncrement();
        sendRequest(REQUEST_MAGIC, flags, type, cookie, offset, length, payload);
        if (type == CMD_READ && !structured) {
            simpleReads.put(cookie, (int) length);
        }
        return cookie;
    }

    void sendRequest(int magic, int flags, int type, long cookie, long offset, long length, byte[] payload)
            throws IOException {
        int n = payload == null ? 0 : payload.length;
        ByteBuffer b = ByteBuffer.allocate(28 + n).putInt(magic).putShort((short) flags).putShort((short) type)
                .putLong(cookie).putLong(offset).putInt((int) length);
        if (payload != null) {
            b.put(payload);
        }
        send(b.flip());
    }

    Reply readReply() throws IOException {
        ByteBuffer m = ByteBuffer.wrap(readN(4));
        int magic = m.getInt();
        if (magic == SIMPLE_REPLY_MAGIC) {
            ByteBuffer h = ByteBuffer.wrap(readN(12));
            int error = h.getInt();
            long cookie = h.getLong();
            Integer len = simpleReads.remove(cookie);
            byte[] data = len != null && error == 0 ? readN(len) : new byte[0];
            return new Simple(error, cookie, data);
        }
        assertThat(magic).as("reply magic").isEqualTo(STRUCTURED_REPLY_MAGIC);
        ByteBuffer h = ByteBuffer.wrap(readN(16));
        int flags = h.getShort() & 0xFFFF;
        int type = h.getShort() & 0xFFFF;
        long cookie = h.getLong();
        int len = h.getInt();
        return new Chunk(flags, type, cookie, readN(len));
    }

    /// Reads a simple reply (fails on anything else).
    Simple readSimple() throws IOException {
        Reply r = readReply();
        assertThat(r).isInstanceOf(Simple.class);
        return (Simple) r;
    }

    /// Reads every chunk of the structured reply to a request of `[offset, offset+length)`.
    Structured readStructured(long cookie, long offset, int length) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        byte[] data = new byte[length];
        int error = 0;
        while (true) {
            Reply r = readReply();
            if (r instanceof Simple s) {
                assertThat(s.cookie()).isEqualTo(cookie);
                return new Structured(chunks, data, s.error());
            }
            Chunk c = (Chunk) r;
            assertThat(c.cookie()).as("cookie").isEqualTo(cookie);
            chunks.add(c);
            ByteBuffer p = c.buf();
            switch (c.type()) {
                case REPLY_TYPE_OFFSET_DATA -> {
                    long off = p.getLong();
                    p.get(data, (int) (off - offset), p.remaining());
                }
                case REPLY_TYPE_OFFSET_HOLE -> {
                    long off = p.getLong();
                    Arrays.fill(data, (int) (off - offset), (int) (off - offset) + p.getInt(), (byte) 0);
                }
                case REPLY_TYPE_ERROR, REPLY_TYPE_ERROR_OFFSET -> error = p.getInt();
                default -> {
                }
            }
            if (c.done()) {
                return new Structured(chunks, data, error);
            }
        }
    }

    /// The error of the reply to a request without data (simple or structured).
    int readStatus(long cookie) throws IOException {
        return readStructured(cookie, 0, 0).error();
    }

    /// Reads `[offset, offset+length)`, failing the test on an error.
    byte[] read(long offset, int length) throws IOException {
        long c = request(0, CMD_READ, offset, length, null);
        if (structured) {
            Structured s = readStructured(c, offset, length);
            assertThat(s.error()).as("read error").isZero();
            return s.data();
        }
        Simple s = readSimple();
        assertThat(s.error()).as("read error").isZero();
        return s.data();
    }

    /// Writes and returns the error (0 on success).
    int write(long offset, byte[] data, int flags) throws IOException {
        return readStatus(request(flags, CMD_WRITE, offset, data.length, data));
    }

    /// Sends a command without payload and returns its error.
    int command(int type, int flags, long offset, long length) throws IOException {
        return readStatus(request(flags, type, offset, length, null));
    }

    void disconnect() throws IOException {
        sendRequest(REQUEST_MAGIC, 0, CMD_DISC, 0, 0, 0, null);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
