package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/// The fixed-newstyle handshake and option haggling of one connection, up to the moment the
/// client enters transmission (`NBD_OPT_GO` or `NBD_OPT_EXPORT_NAME`) or leaves.
///
/// Supported: `EXPORT_NAME`, `ABORT`, `LIST`, `INFO`, `GO` (with `NBD_INFO_EXPORT`, `NAME`,
/// `DESCRIPTION`, `BLOCK_SIZE`), `STRUCTURED_REPLY`, `LIST_META_CONTEXT`, `SET_META_CONTEXT`.
/// `STARTTLS` is refused with `NBD_REP_ERR_POLICY` (this server speaks no TLS), every other
/// option with `NBD_REP_ERR_UNSUP`; the session goes on after either.
final class Handshake {
    /// Option data above this is refused (after being skipped) with `NBD_REP_ERR_TOO_BIG`.
    static final int MAX_OPTION_DATA = 64 * 1024;
    /// Option data above this is not even skipped: the connection is closed.
    static final long MAX_OPTION_SKIP = 16L << 20;

    private final WireReader in;
    private final WritableByteChannel out;
    private final ExportRegistry registry;
    private final Runnable onExportRemoved;
    private final int maxPayload;
    private final ConnectionLog log;

    private boolean structured;
    private boolean noZeroes;
    /// The export named by the last `SET_META_CONTEXT`, and the context names it selected.
    private String metaExport;
    private List<String> metaNames = List.of();

    Handshake(WireReader in, WritableByteChannel out, ExportRegistry registry, Runnable onExportRemoved,
            int maxPayload, ConnectionLog log) {
        this.in = in;
        this.out = out;
        this.registry = registry;
        this.onExportRemoved = onExportRemoved;
        this.maxPayload = maxPayload;
        this.log = log;
    }

    /// Runs the handshake; the session to serve, or empty when the client aborted or left.
    Optional<Session> run() throws IOException, ProtocolViolation {
        write(ByteBuffer.allocate(18).putLong(NBDMAGIC).putLong(IHAVEOPT)
                .putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip());
        if (!in.awaitData()) {
            return Optional.empty();
        }
        int clientFlags = in.readInt();
        if ((clientFlags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
            throw new ProtocolViolation(String.format("client flags 0x%x include bits this server does not know",
                    clientFlags));
        }
        noZeroes = (clientFlags & FLAG_C_NO_ZEROES) != 0;
        while (true) {
            if (!in.awaitData()) {
                return Optional.empty();
            }
            long magic = in.readLong();
            if (magic != IHAVEOPT) {
                throw new ProtocolViolation(String.format("option magic 0x%x is not IHAVEOPT", magic));
            }
            int option = in.readInt();
            long length = in.readInt() & 0xFFFF_FFFFL;
            if (length > MAX_OPTION_DATA) {
                skipOversized(option, length);
                continue;
            }
            byte[] data = in.readBytes((int) length);
            try {
                switch (option) {
                    case OPT_EXPORT_NAME -> {
                        return Optional.of(exportName(data));
                    }
                    case OPT_ABORT -> {
                        reply(option, REP_ACK, new byte[0]);
                        return Optional.empty();
                    }
                    case OPT_GO, OPT_INFO -> {
                        Optional<Session> s = info(option, data);
                        if (s.isPresent()) {
                            return s;
                        }
                    }
                    case OPT_LIST -> list(data);
                    case OPT_STRUCTURED_REPLY -> structuredReply(data);
                    case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(option, data);
                    case OPT_STARTTLS -> throw new OptionRefused(REP_ERR_POLICY,
                            "TLS is not offered by this server; continue without it");
                    default -> throw new OptionRefused(REP_ERR_UNSUP,
                            optionName(option) + " is not supported by this server");
                }
            } catch (OptionRefused r) {
                log.info("refused " + optionName(option) + ": " + r.getMessage());
                reply(option, r.replyType(), r.getMessage().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private void skipOversized(int option, long length) throws IOException, ProtocolViolation {
        String what = optionName(option) + " carries " + length + " bytes of data";
        if (length > MAX_OPTION_SKIP || option == OPT_EXPORT_NAME) {
            // NBD_OPT_EXPORT_NAME has no error reply: an impossible name can only be refused by closing
            throw new ProtocolViolation(what + ", more than " + (option == OPT_EXPORT_NAME ? MAX_OPTION_DATA
                    : MAX_OPTION_SKIP) + "; closing");
        }
        in.skip(length);
        boolean known = option >= OPT_EXPORT_NAME && option <= OPT_SET_META_CONTEXT && option != 4;
        String msg = what + ", more than the " + MAX_OPTION_DATA + " this server accepts";
        log.info("refused " + msg);
        reply(option, known ? REP_ERR_TOO_BIG : REP_ERR_UNSUP, msg.getBytes(StandardCharsets.UTF_8));
    }

    private Session exportName(byte[] data) throws IOException, ProtocolViolation {
        String name;
        try {
            name = Strings.decode(data);
        } catch (CharacterCodingException e) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME: the export name is not valid UTF-8; closing");
        }
        Optional<ExportRegistry.Lease> lease = registry.open(name, onExportRemoved);
        if (lease.isEmpty()) {
            throw new ProtocolViolation("NBD_OPT_EXPORT_NAME asked for export '" + name
                    + "', which does not exist; closing, as the protocol requires");
        }
        Session s = session(lease.get());
        ByteBuffer b = ByteBuffer.allocate(noZeroes ? 10 : 134);
        b.putLong(s.geometry().size()).putShort((short) s.geometry().flags());
        try {
            write(b.position(b.capacity()).flip());
        } catch (IOException e) {
            lease.get().close();
            throw e;
        }
        return s;
    }

    /// `NBD_OPT_INFO` or `NBD_OPT_GO`; a session when GO succeeded.
    private Optional<Session> info(int option, byte[] data) throws IOException, OptionRefused {
        OptionData d = new OptionData(option, data);
        String name = d.string(d.uint32("export name length"), "export name");
        int count = d.uint16("number of information requests");
        List<Integer> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            requests.add(d.uint16("information request " + i));
        }
        d.end();
        ExportRegistry.Lease lease = null;
        NbdExport export;
        if (option == OPT_GO) {
            lease = registry.open(name, onExportRemoved).orElseThrow(() -> unknownExport(name));
            export = lease.export();
        } else {
            export = registry.get(name).orElseThrow(() -> unknownExport(name));
        }
        try {
            describe(option, export, requests);
        } catch (IOException e) {
            if (lease != null) {
                lease.close();
            }
            throw e;
        }
        return lease == null ? Optional.empty() : Optional.of(session(lease));
    }

    /// The `NBD_REP_INFO` replies and the final `NBD_REP_ACK` of a successful INFO or GO.
    private void describe(int option, NbdExport export, List<Integer> requests) throws IOException {
        ExportGeometry g = ExportGeometry.of(export, maxPayload, structured);
        reply(option, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT)
                .putLong(g.size()).putShort((short) g.flags()).array());
        if (requests.contains(INFO_NAME)) {
            reply(option, REP_INFO, info(INFO_NAME, export.name()));
        }
        if (requests.contains(INFO_DESCRIPTION) && !export.description().isEmpty()) {
            reply(option, REP_INFO, info(INFO_DESCRIPTION, export.description()));
        }
        reply(option, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE)
                .putInt(g.minBlock()).putInt(g.preferredBlock()).putInt(g.maxPayload()).array());
        reply(option, REP_ACK, new byte[0]);
    }

    private static byte[] info(int type, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + t.length).putShort((short) type).put(t).array();
    }

    private OptionRefused unknownExport(String name) {
        List<String> names = registry.list().stream().map(e -> "'" + e.name() + "'").toList();
        return new OptionRefused(REP_ERR_UNKNOWN, "there is no export named '" + name + "' (exports: "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }

    private Session session(ExportRegistry.Lease lease) {
        NbdExport export = lease.export();
        List<Session.SelectedContext> contexts = new ArrayList<>();
        if (export.name().equals(metaExport)) {
            for (int i = 0; i < metaNames.size(); i++) {
                int id = i + 1;
                MetaContexts.provider(export, metaNames.get(i))
                        .ifPresent(p -> contexts.add(new Session.SelectedContext(id, p)));
            }
        }
        return new Session(lease, structured, List.copyOf(contexts), ExportGeometry.of(export, maxPayload, structured));
    }

    private void list(byte[] data) throws IOException, OptionRefused {
        if (data.length != 0) {
            throw new OptionRefused(REP_ERR_INVALID, "NBD_OPT_LIST takes no data, got " + data.length + " bytes");
        }
        for (NbdExport e : registry.list()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] desc = e.description().getBytes(StandardCharsets.UTF_8);
            reply(OPT_LIST, REP_SERVER, ByteBuffer.allocate(4 + name.length + desc.length)
                    .putInt(name.length).put(name).put(desc).array());
        }
        reply(OPT_LIST, REP_ACK, new byte[0]);
    }

    private void structuredReply(byte[] data) throws IOException, OptionRefused {
        if (data.length != 0) {
            throw new OptionRefused(REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data, got "
                    + data.length + " bytes");
        }
        structured = true;
        reply(OPT_STRUCTURED_REPLY, REP_ACK, new byte[0]);
    }

    private void metaContext(int option, byte[] data) throws IOException, OptionRefused {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set) {
            metaExport = null;
            metaNames = List.of();
        }
        if (!structured) {
            throw new OptionRefused(REP_ERR_INVALID, optionName(option)
                    + " needs NBD_OPT_STRUCTURED_REPLY to be negotiated first");
        }
        MetaContexts.Request req = MetaContexts.parse(option, data);
        NbdExport export = registry.get(req.exportName()).orElseThrow(() -> unknownExport(req.exportName()));
        List<String> names = set ? MetaContexts.select(export, req.queries()) : MetaContexts.list(export, req.queries());
        for (int i = 0; i < names.size(); i++) {
            byte[] n = names.get(i).getBytes(StandardCharsets.UTF_8);
            reply(option, REP_META_CONTEXT, ByteBuffer.allocate(4 + n.length).putInt(set ? i + 1 : 0).put(n).array());
        }
        if (set) {
            metaExport = export.name();
            metaNames = names;
        }
        reply(option, REP_ACK, new byte[0]);
    }

    private void reply(int option, int type, byte[] data) throws IOException {
        write(ByteBuffer.allocate(20 + data.length).putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type)
                .putInt(data.length).put(data).flip());
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
