package dev.shear.block.qcow2;

import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/// Write-zeroes and discard for a [Qcow2Node], under its write lock (the node punches and releases
/// the dropped clusters after it).
///
/// Whole clusters change only their L2 entries (version 3 zero flag); parts of clusters are written
/// with real zero bytes (write-zeroes) or left alone (discard, a hint). [#apply] writes the new L2
/// entries ([ClusterMap#apply]), so nothing references a dropped cluster any more, and returns the
/// dropped host clusters: the node punches them out of the file without its lock, then lowers their
/// refcounts ([Refcounts#punch], [Refcounts#release]).
///
/// | cluster holds            | discard / zero with unmap           | zero without unmap          |
/// |--------------------------|-------------------------------------|-----------------------------|
/// | data or preallocated 0   | dropped: zero flag with a backing file, unallocated without | zero flag, host cluster kept |
/// | nothing (unallocated)    | discard: unchanged (reads the backing file as before); zero: zero flag with a backing file | same as unmap |
final class ClusterZeroer {
    /// What to do with whole clusters.
    enum Mode { DISCARD, ZERO_UNMAP, ZERO_KEEP }

    private final ClusterMap map;
    private final Refcounts rc;
    private final ClusterWriter writer;
    private final boolean hasBacking;
    private final int clusterBits;
    private final long size;

    ClusterZeroer(ClusterMap map, Refcounts rc, ClusterWriter writer, boolean hasBacking, int clusterBits) {
        this.map = map;
        this.rc = rc;
        this.writer = writer;
        this.hasBacking = hasBacking;
        this.clusterBits = clusterBits;
        this.size = map.virtualSize();
    }

    /// Changes `[offset, offset+length)`, adding to `dropped` the host clusters no entry references
    /// any more, still counted as in use: the caller punches and releases them, also when this
    /// fails partway (what was dropped before the failure is in the list).
    void apply(long offset, long length, Mode mode, List<HostRun> dropped) throws IOException {
        long cs = 1L << clusterBits;
        long end = offset + length;
        long wholeStart = (offset + cs - 1) & -cs;
        long wholeEnd = end == size ? (end + cs - 1) & -cs : end & -cs;
        if (wholeStart >= wholeEnd) {
            partial(offset, end, mode);
            return;
        }
        partial(offset, wholeStart, mode);
        for (long g = wholeStart >>> clusterBits; g < wholeEnd >>> clusterBits; ) {
            long tableEnd = Math.min(wholeEnd >>> clusterBits, ((g >>> (clusterBits - 3)) + 1) << (clusterBits - 3));
            if (map.hasTable(g) || (hasBacking && mode != Mode.DISCARD)) {
                wholeClusters(g, tableEnd, mode, dropped);
            }
            g = tableEnd;
        }
        partial(Math.min(wholeEnd, end), end, mode);
    }

    /// Zeroes `[from, to)` (less than a cluster, or two partial ones) with real zero bytes where it
    /// does not read as zeroes already.
    private void partial(long from, long to, Mode mode) throws IOException {
        if (mode == Mode.DISCARD) {
            return;
        }
        for (long pos = from; pos < to; ) {
            Extent e = map.extent(pos, to, hasBacking, false);
            if (e.state() != BlockStatus.State.ZERO) {
                writer.write(pos, ByteBuffer.allocate((int) e.length()));
            }
            pos = e.end();
        }
    }

    /// Guest clusters `[g, gEnd)`, all in one L2 table.
    private void wholeClusters(long g, long gEnd, Mode mode, List<HostRun> dropped) throws IOException {
        List<L2Update> updates = new ArrayList<>();
        List<HostRun> mine = new ArrayList<>();
        for (long c = g; c < gEnd; c++) {
            long e = map.entry(c);
            L2Entry kind = map.classify(c, e);
            long next = newEntry(kind, e, mode);
            if (next == e) {
                continue;
            }
            updates.add(new L2Update(c, next));
            if (kind.hasHostCluster() && mode != Mode.ZERO_KEEP) {
                long hc = L2Entry.hostOffset(e) >>> clusterBits;
                if (!mine.isEmpty() && mine.getLast().end() == hc) {
                    HostRun last = mine.removeLast();
                    mine.add(new HostRun(last.cluster(), last.count() + 1));
                } else {
                    mine.add(new HostRun(hc, 1));
                }
            }
        }
        if (updates.isEmpty()) {
            return;
        }
        map.apply(updates, rc);
        dropped.addAll(mine);
    }

    private long newEntry(L2Entry kind, long e, Mode mode) {
        long unmapped = hasBacking ? Qcow2Header.OFLAG_ZERO : 0;
        return switch (kind) {
            case NORMAL -> mode == Mode.ZERO_KEEP ? e | Qcow2Header.OFLAG_ZERO | Qcow2Header.OFLAG_COPIED : unmapped;
            case ZERO_ALLOCATED -> mode == Mode.ZERO_KEEP ? e : unmapped;
            case UNALLOCATED -> mode == Mode.DISCARD ? e : unmapped;
            case ZERO, COMPRESSED -> e;
        };
    }
}
