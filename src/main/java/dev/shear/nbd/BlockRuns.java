package dev.shear.nbd;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;

/// Walks a node's allocation runs, checking each answer of [BlockNode#blockStatus].
final class BlockRuns {
    private BlockRuns() {
    }

    /// The run at `pos`, cut at `end`; an [IOException] when the node answers a run that does not
    /// start at `pos` or is empty (a broken node must not make the server loop or lie).
    static BlockStatus next(BlockNode node, long pos, long end) throws IOException {
        BlockStatus s = node.blockStatus(pos, end - pos);
        if (s.length() <= 0 || s.offset() != pos) {
            throw new IOException(node.describe() + " answered block status at " + pos
                    + " with the run " + s.offset() + "+" + s.length());
        }
        return s.length() <= end - pos ? s : new BlockStatus(s.state(), pos, end - pos);
    }
}
