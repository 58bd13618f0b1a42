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
/// qcow2 backup and an incremental chain over it hash alike when their contents are equal.
public final class ContentHash {
    private static final int CHUNK = 1 << 20;
    private static final byte[] ZEROES = new byte[CHUNK];

    private ContentHash() {
    }

    /// The hash of `node`'s content as lower-case hex; `progress` receives bytes hashed so far.
    public static String of(BlockNode node, LongConsumer progress) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        long size = node.size();
        long pos = 0;
        while (pos < size) {
            BlockStatus s = node.blockStatus(pos, Math.min(size - pos, 64L * CHUNK));
            if (s.state() == BlockStatus.State.ZERO) {
                for (long z = 0; z < s.length(); z += CHUNK) {
                    sha.update(ZEROES, 0, (int) Math.min(CHUNK, s.length() - z));
                }
            } else {
                for (long d = 0; d < s.length(); d += CHUNK) {
                    buf.clear().limit((int) Math.min(CHUNK, s.length() - d));
                    node.read(pos + d, buf);
                    buf.flip();
                    sha.update(buf);
                }
            }
            pos = s.end();
            progress.accept(pos);
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
