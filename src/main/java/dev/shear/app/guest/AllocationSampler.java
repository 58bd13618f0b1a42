package dev.shear.app.guest;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import java.io.IOException;

/// Measures where a disk holds data, for the guest view's small allocation map: the share of
/// allocated bytes in each of `buckets` equal parts of the disk, from the node's block status.
public final class AllocationSampler {
    private AllocationSampler() {
    }

    public static double[] sample(BlockNode node, int buckets) throws IOException {
        long size = node.size();
        double[] share = new double[buckets];
        if (size == 0) {
            return share;
        }
        double per = (double) size / buckets;
        long pos = 0;
        while (pos < size) {
            BlockStatus st = node.blockStatus(pos, size - pos);
            if (st.length() <= 0) {
                break;
            }
            if (st.state() == BlockStatus.State.DATA) {
                add(share, st.offset(), st.end(), per);
            }
            pos = st.end();
        }
        return share;
    }

    private static void add(double[] share, long from, long to, double per) {
        int first = (int) Math.min(share.length - 1, from / per);
        int last = (int) Math.min(share.length - 1, (to - 1) / per);
        for (int b = first; b <= last; b++) {
            double lo = Math.max(from, b * per);
            double hi = Math.min(to, (b + 1) * per);
            share[b] += (hi - lo) / per;
        }
    }
}
