package dev.shear.datacenter.archive;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/// SHA-256 of a disk's whole virtual content, read in order; zero runs (from block status) are
/// hashed without reading them. The same hash whatever the format or sparseness: a raw disk, its
/// qcow2 backup and an incremental chain over it hash alike when their contents are equal (and
/// alike `sha256sum` of the raw disk).
///
/// Incremental: [#update] hashes the next part, so a backup can hash each range as soon as it is
/// final on the target, while the copy goes on. Not thread-safe (one hashing thread).
public final class ContentHash {
    private static final int CHUNK = 1 << 20;
    private static final byte[] ZEROES = new byte[CHUNK];

    private final MessageDigest sha = sha256();
    private final ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
    private long position;

    /// Bytes hashed so far (the next byte to hash).
    public long position() {
        return position;
    }

    /// Where the allocation state of a range comes from (a node's own block status, or one that
    /// looks through a backing chain, see [DiskChain]).
    @FunctionalInterface
    public interface StatusSource {
        BlockStatus status(long offset, long length) throws IOException;
    }

    /// Receives the data runs of a copy, in order (never the zero runs).
    @FunctionalInterface
    public interface DataSink {
        void write(long offset, ByteBuffer data) throws IOException;
    }

    /// Receives the position reached; may throw to stop (e.g. a cancelled task).
    @FunctionalInterface
    public interface Progress {
        void reached(long position) throws IOException;
    }

    /// Hashes `node`'s bytes from [#position()] up to `end`; `progress` receives the position.
    public void update(BlockNode node, long end, LongConsumer progress) throws IOException {
        update(node, node::blockStatus, null, end, progress::accept);
    }

    /// Hashes `node`'s bytes from [#position()] up to `end`, taking the allocation state from
    /// `status` and handing every run it does not call ZERO to `sink` as well (null: hash only) —
    /// a restore hashes what it copies. Zero runs are hashed without being read.
    public void update(BlockNode node, StatusSource status, DataSink sink, long end, Progress progress)
            throws IOException {
        while (position < end) {
            BlockStatus s = status.status(position, Math.min(end - position, 64L * CHUNK));
            if (s.state() == BlockStatus.State.ZERO) {
                for (long z = 0; z < s.length(); z += CHUNK) {
                    sha.update(ZEROES, 0, (int) Math.min(CHUNK, s.length() - z));
                }
            } else {
                for (long d = 0; d < s.length(); d += CHUNK) {
                    buf.clear().limit((int) Math.min(CHUNK, s.length() - d));
                    node.read(position + d, buf);
                    buf.flip();
                    if (sink != null) {
                        sink.write(position + d, buf.duplicate());
                    }
                    sha.update(buf);
                }
            }
            position = s.end();
            progress.reached(position);
        }
    }

    /// The hash as lower-case hex (call once, when everything is hashed).
    public String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }

    /// The hash of `node`'s whole content; `progress` receives bytes hashed so far.
    public static String of(BlockNode node, LongConsumer progress) throws IOException {
        ContentHash h = new ContentHash();
        h.update(node, node.size(), progress);
        return h.hex();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }
}
