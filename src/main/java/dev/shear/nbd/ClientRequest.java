package dev.shear.nbd;

import dev.shear.block.NoSpaceException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/// One request of an [NbdClientNode] on the wire, from the moment it is queued until its reply
/// (or the connection's end) completes it.
///
/// The caller's thread creates it and waits in [#await]; the connection's reader thread fills it
/// in from the reply chunks and completes it. The two meet only in [#result] (a future, so
/// everything the reader wrote happens-before the caller's return) and in the monitor guarding
/// [#abandoned]: once a caller has given up, its buffer is never written again.
final class ClientRequest {
    /// Why a request failed.
    sealed interface Failure {
        /// An exception, made on the waiting caller's thread, saying `what` failed and why.
        IOException toException(String what);
    }

    /// The server answered with an error value (and maybe a message).
    record ServerError(int errno, String message) implements Failure {
        @Override
        public IOException toException(String what) {
            String text = what + " failed with " + Errors.name(errno) + (message.isEmpty() ? "" : ": " + message);
            return errno == NbdProtocol.ENOSPC ? new NoSpaceException(text) : new IOException(text);
        }
    }

    /// The connection ended before the reply arrived.
    record ConnectionLost(String reason) implements Failure {
        @Override
        public IOException toException(String what) {
            return new IOException(what + " failed: " + reason);
        }
    }

    final long cookie;
    final int type;
    final int flags;
    final long offset;
    final long length;
    /// WRITE only: a private copy of the data, so the caller's buffer is free once queued.
    final ByteBuffer payload;
    /// READ only: where the data goes, its index 0 being `offset`; written only under `this`.
    private final ByteBuffer dst;
    private final CompletableFuture<Failure> result = new CompletableFuture<>();

    // Reader-thread state, published to the caller through `result`.
    private long covered;
    private Failure failure;
    private List<MetaContextProvider.Extent> extents;
    /// Set when the caller stopped waiting; guarded by `this`.
    private boolean abandoned;

    ClientRequest(long cookie, int type, int flags, long offset, long length, ByteBuffer payload, ByteBuffer dst) {
        this.cookie = cookie;
        this.type = type;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
        this.payload = payload;
        this.dst = dst;
    }

    /// E.g. `READ 4096+512`.
    String describe() {
        return NbdProtocol.commandName(type) + " " + offset + "+" + length;
    }

    // ---- reader thread ---------------------------------------------------------------------------

    /// Reads `n` bytes of data for export offset `at` from `in` into the caller's buffer (or drops
    /// them when the caller has gone).
    synchronized void data(WireReader in, long at, int n) throws IOException {
        if (abandoned) {
            in.skip(n);
        } else {
            in.readFully(dst.slice((int) (at - offset), n));
        }
        covered += n;
    }

    /// Zeroes `n` bytes for export offset `at` (a hole chunk).
    synchronized void hole(long at, int n) {
        if (!abandoned) {
            ByteBuffer zeroes = ByteBuffer.allocate(Math.min(n, 64 * 1024));
            for (int done = 0; done < n; done += zeroes.capacity()) {
                int k = Math.min(zeroes.capacity(), n - done);
                dst.put((int) (at - offset) + done, zeroes, 0, k);
            }
        }
        covered += n;
    }

    /// Bytes covered by data and hole chunks so far.
    long covered() {
        return covered;
    }

    void extents(List<MetaContextProvider.Extent> e) {
        extents = e;
    }

    boolean hasExtents() {
        return extents != null;
    }

    /// Records an error chunk; the first one is what the caller sees.
    void error(int errno, String message) {
        if (failure == null) {
            failure = new ServerError(errno, message);
        }
    }

    boolean failed() {
        return failure != null;
    }

    /// The reply is complete.
    void finish() {
        result.complete(failure);
    }

    /// The reply will never come: nothing is written to the caller's buffer from now on.
    synchronized void fail(String reason) {
        abandoned = true;
        result.complete(new ConnectionLost(reason));
    }

    // ---- caller ------------------------------------------------------------------------------------

    /// Waits for the reply; throws what the server or the connection's end reported, naming the
    /// request and `node`. An interrupted caller abandons the request ([InterruptedIOException],
    /// interrupt status kept); the connection goes on.
    void await(String node) throws IOException {
        String what = describe() + " on " + node;
        Failure f;
        try {
            f = result.get();
        } catch (InterruptedException e) {
            abandon();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + what);
        } catch (ExecutionException e) {
            throw new IOException(what + " failed: " + e.getCause(), e.getCause());
        }
        if (f != null) {
            throw f.toException(what);
        }
    }

    /// The caller stops waiting: nothing is written to its buffer from now on.
    synchronized void abandon() {
        abandoned = true;
    }

    /// The block status extents of a completed BLOCK_STATUS request.
    List<MetaContextProvider.Extent> extents() {
        return extents == null ? List.of() : new ArrayList<>(extents);
    }
}
