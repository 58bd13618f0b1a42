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
/// hashed without reading them. [#copy] hashes while copying the data runs somewhere (a restore). The same hash whatever the format or sparseness: a raw disk, its
/// qcow2 backup and an incremental chain over it hash alike when their contents are equal.
public final class ContentHash {
    private static final int CHUNK = 1 << 20;
    private static final byte[] ZEROES = new byte[CHUNK];

    private ContentHash() {
    }

    /// The hash of `node`'s content as lower-case hex; `progress` receives bytes hashed so far.
    public static String of(BlockNode node, LongConsumer progress) throws IOException {
        return copy(node, node::blockStatus, null, progress::accept);
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

    /// Reads `node`'s whole content in order, hashing it and handing every run that `status` does
    /// not call ZERO to `sink` (null: hash only). Zero runs are hashed without being read.
    ///
    /// @return the SHA-256 of the content, lower-case hex
    public static String copy(BlockNode node, StatusSource status, DataSink sink, Progress progress)
            throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long size = node.size();
        long pos = 0;
        while (pos < size) {
            BlockStatus s = status.status(pos, Math.min(size - pos, 64L * CHUNK));
            if (s.state() == BlockStatus.State.ZERO) {
                for (long z = 0; z < s.length(); z += CHUNK) {
                    sha.update(ZEROES, 0, (int) Math.min(CHUNK, s.length() - z));
                }
            } else {
                for (long d = 0; d < s.length(); d += CHUNK) {
                    buf.clear().limit((int) Math.min(CHUNK, s.length() - d));
                    node.read(pos + d, buf);
                    buf.flip();
                    if (sink != null) {
                        sink.write(pos + d, buf.duplicate());
                    }
                    sha.update(buf);
                }
            }
            pos = s.end();
            progress.reached(pos);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }
}
