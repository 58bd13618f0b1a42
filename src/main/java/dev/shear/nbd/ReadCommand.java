package dev.shear.nbd;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/// Answers `NBD_CMD_READ` (already validated): with a simple reply carrying the data, or with
/// structured chunks, `NBD_REPLY_TYPE_OFFSET_HOLE` for runs the node reports as zero and
/// `NBD_REPLY_TYPE_OFFSET_DATA` for the rest. Under `NBD_CMD_FLAG_DF` there is exactly one
/// content chunk: a hole if the whole range is zero, otherwise data with the zeroes spelled out.
///
/// Chunks are sent as each run is read, the last one flagged done. A node failure in a run
/// ends the reply with an `NBD_REPLY_TYPE_ERROR_OFFSET` chunk at that run's offset.
final class ReadCommand {
    private final BlockNode node;
    private final ReplyWriter out;

    ReadCommand(BlockNode node, ReplyWriter out) {
        this.node = node;
        this.out = out;
    }

    /// A node read that failed at `offset` after the reply had begun.
    static final class SegmentFailure extends Exception {
        private final long offset;

        SegmentFailure(long offset, Exception cause) {
            super(cause.getMessage(), cause);
            this.offset = offset;
        }

        long offset() {
            return offset;
        }
    }

    /// A run of the request: data to read, or a hole to announce.
    record Segment(long offset, long length, boolean hole) {
    }

    void simple(Request r) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) r.length());
        node.read(r.offset(), buf);
        out.simpleData(r.cookie(), buf.flip());
    }

    void structured(Request r, boolean dontFragment) throws IOException, SegmentFailure {
        if (r.length() == 0) {
            out.none(r.cookie());
            return;
        }
        List<Segment> plan = plan(r.offset(), r.length(), dontFragment);
        for (int i = 0; i < plan.size(); i++) {
            Segment s = plan.get(i);
            boolean last = i == plan.size() - 1;
            if (s.hole()) {
                out.hole(r.cookie(), s.offset(), (int) s.length(), last);
                continue;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) s.length());
            try {
                node.read(s.offset(), buf);
            } catch (IOException | RuntimeException e) {
                throw new SegmentFailure(s.offset(), e);
            }
            out.data(r.cookie(), s.offset(), buf.flip(), last);
        }
    }

    /// Splits `[offset, offset+length)` into alternating data and hole segments.
    List<Segment> plan(long offset, long length, boolean dontFragment) throws IOException {
        List<Segment> segs = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            BlockStatus s = BlockRuns.next(node, pos, end);
            long len = s.length();
            boolean hole = s.isZero();
            if (dontFragment && !hole) {
                return List.of(new Segment(offset, length, false));
            }
            append(segs, new Segment(pos, len, hole));
            pos += len;
        }
        return node.alignment() > 1 ? aligned(segs, node.alignment()) : segs;
    }

    private static void append(List<Segment> segs, Segment s) {
        if (!segs.isEmpty() && segs.getLast().hole() == s.hole()) {
            Segment prev = segs.removeLast();
            segs.add(new Segment(prev.offset(), prev.length() + s.length(), s.hole()));
        } else {
            segs.add(s);
        }
    }

    /// Shrinks holes to their aligned inner part and gives the unaligned edges to the data around
    /// them, so every node read stays aligned (the request itself is aligned).
    private static List<Segment> aligned(List<Segment> segs, int alignment) {
        List<Segment> out = new ArrayList<>();
        long mask = alignment - 1L;
        for (Segment s : segs) {
            long start = (s.offset() + mask) & ~mask;
            long end = (s.offset() + s.length()) & ~mask;
            if (!s.hole() || end <= start) {
                append(out, new Segment(s.offset(), s.length(), false));
                continue;
            }
            if (start > s.offset()) {
                append(out, new Segment(s.offset(), start - s.offset(), false));
            }
            append(out, new Segment(start, end - start, true));
            if (end < s.offset() + s.length()) {
                append(out, new Segment(end, s.offset() + s.length() - end, false));
            }
        }
        return out;
    }
}
