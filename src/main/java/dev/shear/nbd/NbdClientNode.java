package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.Requests;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/// A [BlockNode] whose storage is an export of an NBD server, reached over one connection: what
/// QEMU's `nbd` block driver is to QEMU. Works with Shear's own [NbdServer] and with `qemu-nbd`,
/// `qemu-storage-daemon` and other fixed-newstyle servers; TLS is not supported.
///
/// ## What it negotiates
/// Fixed newstyle, structured replies, the `base:allocation` context and `NBD_OPT_GO` with the
/// block size constraints (`NBD_OPT_EXPORT_NAME` only when the server does not know GO). The
/// export's size is [#size()], its minimum block size [#alignment()] and its preferred block size
/// [#clusterSize()].
///
/// ## Guarantees beyond [BlockNode]'s
/// * Many threads share the one connection with many requests in flight; reads and writes larger
///   than the server's maximum payload are split (a few pieces in flight per call).
/// * The caller's buffers are free when a call returns, also when it throws: write data is copied
///   when queued, and read data is never written after the call has given up.
/// * Server errors become exceptions naming the request, the export and the NBD error:
///   `ENOSPC` is a [dev.shear.block.NoSpaceException], everything else an [IOException] (the range
///   and alignment are checked before sending, so an `EINVAL` from the server is never the
///   caller's fault here).
/// * On a read-only export, writes, write-zeroes and discards throw an [IOException] without
///   asking the server.
/// * When the connection dies (the server goes away, a socket error, a reply that breaks the
///   protocol), every request in flight and every later one throws an [IOException] with the
///   reason; nothing waits forever on a dead connection. The node does not reconnect.
/// * Without server support, FUA becomes a write then a flush, write-zeroes becomes writes of
///   zeroes, discard does nothing and flush does nothing; without `base:allocation` every range
///   is reported as [BlockStatus.State#DATA] (always safe).
/// * [#allocatedBytes()] is −1: NBD cannot tell how much storage an export occupies.
public final class NbdClientNode implements BlockNode {
    /// How long connecting plus the handshake may take by default.
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /// How long [#close()] waits for the server to answer what is in flight and hang up.
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    /// Pieces of one split call in flight at once (bounds the copied write data to 4 × 32 MiB).
    private static final int WINDOW = 4;
    /// The effect length of one TRIM, WRITE_ZEROES or BLOCK_STATUS at most: 1 GiB, a multiple
    /// of every minimum block size (≤ 64 KiB) and well inside the 32-bit length field.
    private static final int MAX_EFFECT = 1 << 30;

    private final String uri;
    private final RemoteExport export;
    private final ClientConnection conn;
    private final String description;
    private final Object closeLock = new Object();
    /// Set once by [#close()] (under `closeLock`); read without lock by every request.
    private volatile boolean closed;

    NbdClientNode(String uri, RemoteExport export, ClientConnection conn, String description) {
        this.uri = uri;
        this.export = export;
        this.conn = conn;
        this.description = description;
    }

    /// Connects to `uri` (`nbd://HOST[:PORT]/NAME` or `nbd+unix:///NAME?socket=PATH`) within
    /// [#DEFAULT_TIMEOUT]. A malformed URI is an [IllegalArgumentException]; a server that cannot
    /// be reached, refuses the export or breaks the handshake is an [IOException] naming the URI.
    public static NbdClientNode connect(String uri) throws IOException {
        return connect(uri, DEFAULT_TIMEOUT);
    }

    /// [#connect(String)] with another limit for connecting plus the handshake.
    public static NbdClientNode connect(String uri, Duration timeout) throws IOException {
        return ClientConnector.connect(uri, timeout);
    }

    /// The URI this node was connected with.
    public String uri() {
        return uri;
    }

    /// True when the server exports the disk read-only.
    public boolean readOnly() {
        return export.readOnly();
    }

    /// What the handshake established.
    RemoteExport export() {
        return export;
    }

    @Override
    public long size() {
        return export.size();
    }

    @Override
    public int clusterSize() {
        return export.preferredBlock();
    }

    @Override
    public int alignment() {
        return export.minBlock();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int length = dst.remaining();
        check(offset, length);
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        ByteBuffer target = dst.slice(dst.position(), length);
        inPieces(offset, length, export.maxPayload(),
                (at, rel, n) -> conn.submit(CMD_READ, 0, at, n, null, target.slice(rel, n)));
        dst.position(dst.position() + length);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        int length = src.remaining();
        check(offset, length);
        checkWritable("write");
        boolean serverFua = fua && export.has(FLAG_SEND_FUA);
        ByteBuffer data = src.slice(src.position(), length);
        inPieces(offset, length, export.maxPayload(), (at, rel, n) -> conn.submit(CMD_WRITE,
                serverFua ? CMD_FLAG_FUA : 0, at, n, ByteBuffer.allocate(n).put(0, data, rel, n), null));
        if (fua && !serverFua && length > 0) {
            flushNow();
        }
        src.position(src.position() + length);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        check(offset, length);
        checkWritable("write-zeroes");
        if (export.has(FLAG_SEND_WRITE_ZEROES)) {
            int flags = mayUnmap ? 0 : CMD_FLAG_NO_HOLE;
            inPieces(offset, length, MAX_EFFECT, (at, rel, n) -> conn.submit(CMD_WRITE_ZEROES, flags, at, n, null, null));
        } else {
            int piece = Math.min(export.maxPayload(), 1 << 20);
            ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(piece, length)).asReadOnlyBuffer();
            inPieces(offset, length, piece, (at, rel, n) -> conn.submit(CMD_WRITE, 0, at, n, zeroes.slice(0, n), null));
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        check(offset, length);
        checkWritable("discard");
        if (export.has(FLAG_SEND_TRIM)) {
            inPieces(offset, length, MAX_EFFECT, (at, rel, n) -> conn.submit(CMD_TRIM, 0, at, n, null, null));
        }
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
        conn.checkUsable();
        flushNow();
    }

    private void flushNow() throws IOException {
        if (export.has(FLAG_SEND_FLUSH)) {
            conn.submit(CMD_FLUSH, 0, 0, 0, null, null).await(description);
        }
    }

    /// Asks `base:allocation` about the range: `NBD_STATE_ZERO` (with or without
    /// `NBD_STATE_HOLE`) is [BlockStatus.State#ZERO]; anything else is [BlockStatus.State#DATA]
    /// (a hole that may not read as zeroes is data to a copier).
    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        check(offset, length);
        if (length == 0 || !export.hasAllocationContext()) {
            return new BlockStatus(BlockStatus.State.DATA, offset, length);
        }
        ClientRequest r = conn.submit(CMD_BLOCK_STATUS, 0, offset, Math.min(length, MAX_EFFECT), null, null);
        r.await(description);
        List<MetaContextProvider.Extent> extents = r.extents();
        BlockStatus.State state = stateOf(extents.getFirst().flags());
        long run = 0;
        for (MetaContextProvider.Extent e : extents) {
            if (stateOf(e.flags()) != state) {
                break;
            }
            run += e.length();
        }
        return new BlockStatus(state, offset, Math.min(run, length));
    }

    private static BlockStatus.State stateOf(int flags) {
        return (flags & STATE_ZERO) != 0 ? BlockStatus.State.ZERO : BlockStatus.State.DATA;
    }

    /// Always −1 (unknown): the protocol has no way to ask how much storage an export occupies,
    /// and summing block status over a large export would cost a walk of every extent.
    @Override
    public long allocatedBytes() throws IOException {
        Requests.checkOpen(closed, this);
        return -1;
    }

    /// Flushes (unless the export is read-only or the connection had already died: that was
    /// reported to every request since), sends `NBD_CMD_DISC`, waits a few seconds at most for the
    /// server to answer what is still in flight and hang up, and closes the socket. A failed
    /// flush is thrown after all that.
    @Override
    public void close() throws IOException {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        IOException failure = null;
        if (conn.usable() && !export.readOnly()) {
            try {
                flushNow();
            } catch (IOException e) {
                failure = e;
            }
        }
        conn.disconnect(CLOSE_GRACE);
        if (failure != null) {
            throw failure;
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void check(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
    }

    private void checkWritable(String what) throws IOException {
        if (export.readOnly()) {
            throw new IOException(description + " is read-only: " + what + " refused");
        }
    }

    /// Sends one piece of a split call: `n` bytes at export offset `at`, `rel` bytes into the call.
    @FunctionalInterface
    private interface Piece {
        ClientRequest send(long at, int rel, int n) throws IOException;
    }

    /// Sends `[offset, offset+length)` in pieces of at most `max` bytes, at most [#WINDOW] in
    /// flight, and waits for all. On failure the pieces still in flight are abandoned (their
    /// buffers are not touched again) and the first failure is thrown.
    private void inPieces(long offset, long length, int max, Piece piece) throws IOException {
        ArrayDeque<ClientRequest> window = new ArrayDeque<>();
        try {
            for (long done = 0; done < length; ) {
                if (window.size() == WINDOW) {
                    window.poll().await(description);
                }
                int n = (int) Math.min(max, length - done);
                window.add(piece.send(offset + done, (int) Math.min(done, Integer.MAX_VALUE), n));
                done += n;
            }
            while (!window.isEmpty()) {
                window.peek().await(description);
                window.poll();
            }
        } finally {
            window.forEach(ClientRequest::abandon);
        }
    }
}
