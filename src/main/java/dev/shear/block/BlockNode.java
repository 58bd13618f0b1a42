package dev.shear.block;

import dev.shear.util.Futures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/// A node serves block I/O on a byte-addressed device of fixed [size][#size()]: a raw file, a qcow2
/// image, a filter or a view. Every layer of Shear talks to disks only through this interface.
///
/// ## What every implementation guarantees
/// * **Thread safety.** Every method may be called from many threads at once. Requests that do not
///   overlap never affect each other; overlapping requests behave as if run in some serial order
///   (no torn clusters inside a node's own metadata, but the data of two overlapping concurrent
///   writes may interleave, as on a real disk).
/// * **Bounds.** A request with a negative offset or length, or that ends past [#size()], throws
///   [IllegalArgumentException] and changes nothing. A zero-length request is a no-op.
/// * **Alignment.** Offsets and lengths must be multiples of [#alignment()] (1 for most nodes;
///   the logical block size for `O_DIRECT` files); otherwise [IllegalArgumentException].
/// * **Reads** fill `dst` from its position to its limit and advance the position; they never
///   return short. Ranges never written, discarded or zeroed read as zeroes (or as the backing
///   node's data, for a node with a backing node).
/// * **Writes** are durable after a successful [#flush()], or on return when `fua` is set.
/// * **Write-zeroes** makes the range read as zeroes. With `mayUnmap` the node may release the
///   space (punch a hole, drop clusters); without it the space stays allocated where the format
///   can express that.
/// * **Discard** is a hint: the range may read as zeroes or keep its old contents afterwards
///   (callers that need zeroes use write-zeroes), but where the node can release space it does.
/// * **Block status** describes the run starting at `offset` and never reports more than asked.
/// * After [#close()], every method but `close` throws [IOException]; `close` is idempotent.
///
/// Errors of the device (no space, I/O error, a corrupt image) are [IOException]s whose message
/// names the file and the problem.
public interface BlockNode extends AutoCloseable {

    /// The virtual size in bytes. Fixed for the node's life.
    long size();

    /// The allocation granularity in bytes (a power of two), or 0 when the node has none that
    /// matters to a copier (a plain file on a file system with 4 KiB blocks reports 4096).
    int clusterSize();

    /// Every request's offset and length must be a multiple of this (a power of two, ≥ 1).
    default int alignment() {
        return 1;
    }

    /// True when this node reads unallocated ranges through from a backing node.
    default boolean hasBacking() {
        return false;
    }

    /// A short human-readable description (format and file) for messages and logs.
    String describe();

    /// Reads `dst.remaining()` bytes at `offset` into `dst`.
    void read(long offset, ByteBuffer dst) throws IOException;

    /// Writes `src.remaining()` bytes from `src` at `offset`; with `fua` they are durable on return.
    void write(long offset, ByteBuffer src, boolean fua) throws IOException;

    /// [#write] for a caller that only needs to learn when the write is done (an NBD request whose
    /// reply may leave from any thread): completes `done` with what `write` would return or throw.
    /// Returns when the calling thread's part is done; usually that is the whole write and `done`
    /// is complete on return. A node may have another thread finish the write and complete
    /// `done` while the calling thread is still held (a copy-before-write filter whose copy overran
    /// `cbw-timeout`, decision 0019), so a caller chains what follows the write to `done` before
    /// the call, and leaves `src` alone until `done` completes. The default writes on the calling
    /// thread.
    default void submitWrite(long offset, ByteBuffer src, boolean fua, CompletableFuture<Void> done) {
        Futures.complete(done, () -> write(offset, src, fua));
    }

    /// Makes `[offset, offset+length)` read as zeroes; may release the space when `mayUnmap`.
    void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException;

    /// Hints that `[offset, offset+length)` is no longer needed; releases space where possible.
    void discard(long offset, long length) throws IOException;

    /// Makes every completed write durable.
    void flush() throws IOException;

    /// Starts writing what the node holds in the host's page cache to storage, without waiting
    /// and without promising durability (that is [#flush]); a running guest's disks get this
    /// regularly so that the kernel's writeback does not come in bursts ([WritebackPacer]).
    /// Nothing for nodes that do not write through the page cache.
    default void startWriteback() throws IOException {
    }

    /// Waits until every write the node has acknowledged has gone through to the nodes below it.
    /// Nothing for nodes that finish a write before acknowledging it; a copy-before-write filter
    /// with write-behind (decision 0023) waits for its pending writes. [DrainableNode#drain()]
    /// calls it once no request is in flight, as QEMU's drain waits for a whole subtree. Throws,
    /// once, the failure of an acknowledged write that no flush reported yet: the caller must pass
    /// it on to where the guest's next flush sees it.
    default void quiesce() throws IOException {
    }

    /// The allocation state of the run that starts at `offset`, at most `length` bytes long.
    BlockStatus blockStatus(long offset, long length) throws IOException;

    /// Bytes of storage the node occupies now (size on disk for a file, held chunks in memory);
    /// what "the fleecing image's size on disk" means in progress reports. -1 when unknown (an
    /// NBD export): callers show "unknown", never a negative size.
    long allocatedBytes() throws IOException;

    /// Flushes and releases the node. Idempotent.
    @Override
    void close() throws IOException;

    /// Reads `length` bytes at `offset` into a new array (a convenience for tests and tools).
    default byte[] read(long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        read(offset, buf);
        return buf.array();
    }

    /// Writes `data` at `offset` without FUA (a convenience for tests and tools).
    default void write(long offset, byte[] data) throws IOException {
        write(offset, ByteBuffer.wrap(data), false);
    }
}
