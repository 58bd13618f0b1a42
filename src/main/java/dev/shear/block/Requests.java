package dev.shear.block;

import java.io.IOException;

/// Argument checks shared by every [BlockNode] implementation, so each one rejects bad requests
/// with the same message.
public final class Requests {
    private Requests() {
    }

    /// Throws [IllegalArgumentException] unless `[offset, offset+length)` lies within `node` and is
    /// aligned to its [BlockNode#alignment()].
    public static void checkRange(BlockNode node, long offset, long length) {
        long size = node.size();
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IllegalArgumentException("request " + offset + "+" + length
                    + " is outside " + node.describe() + " (size " + size + ")");
        }
        int align = node.alignment();
        if (align > 1 && ((offset | length) & (align - 1)) != 0) {
            throw new IllegalArgumentException("request " + offset + "+" + length
                    + " is not aligned to " + align + " bytes for " + node.describe());
        }
    }

    /// Checks a block-status request (open, in range, aligned); returns the answer to an empty
    /// request, or null when the node must work one out.
    public static BlockStatus checkStatusRequest(boolean closed, BlockNode node, long offset, long length)
            throws IOException {
        checkOpen(closed, node);
        checkRange(node, offset, length);
        return length == 0 ? new BlockStatus(BlockStatus.State.ZERO, offset, 0) : null;
    }

    /// Throws the [IOException] every node throws after close.
    public static void checkOpen(boolean closed, BlockNode node) throws IOException {
        if (closed) {
            throw new IOException(node.describe() + " is closed");
        }
    }
}
