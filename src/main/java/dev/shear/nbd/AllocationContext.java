package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.STATE_HOLE;
import static dev.shear.nbd.NbdProtocol.STATE_ZERO;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/// The `base:allocation` context of a node, from [BlockNode#blockStatus]: a `ZERO` run is a hole
/// that reads as zeroes (`NBD_STATE_HOLE | NBD_STATE_ZERO`); `DATA` is allocated (0); and
/// `UNALLOCATED` (the run reads through to a backing node, whose content this node does not
/// know) is reported as allocated data too (0), which the protocol says is always safe.
record AllocationContext(BlockNode node) implements MetaContextProvider {

    @Override
    public String name() {
        return NbdProtocol.BASE_ALLOCATION;
    }

    static int flagsOf(BlockStatus.State state) {
        return switch (state) {
            case ZERO -> STATE_HOLE | STATE_ZERO;
            case DATA, UNALLOCATED -> 0;
        };
    }

    @Override
    public List<Extent> extents(long offset, long length, int maxRuns) throws IOException {
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            BlockStatus s = BlockRuns.next(node, pos, end);
            long len = s.length();
            int flags = flagsOf(s.state());
            if (!out.isEmpty() && out.getLast().flags() == flags) {
                out.set(out.size() - 1, new Extent(out.getLast().length() + len, flags));
            } else if (out.size() == maxRuns) {
                break;
            } else {
                out.add(new Extent(len, flags));
            }
            pos += len;
        }
        return out;
    }
}
