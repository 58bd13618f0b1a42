package dev.shear.block.qcow2;

import dev.shear.block.BlockStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/// The guest-to-host mapping of an image: the L1 table (in memory) and the L2 tables (in a bounded
/// [TableCache]). Every entry read from the file is checked before use: a table or data cluster
/// outside the file or not cluster-aligned, or a compressed cluster, is a [Qcow2FormatException]
/// naming the guest offset and the entry.
///
/// Reads ([#entry], [#extent]) may run under the node's read lock, concurrently; [#apply] needs
/// the write lock. The L1 array is only changed under the write lock, after its write succeeded.
final class ClusterMap {
    private final HostFile host;
    private final int clusterBits;
    private final long l1Offset;
    /// The L1 table (raw entries with flags); guarded by the node's lock (written under the write lock).
    private final long[] l1;
    private final TableCache l2;
    private final long virtualSize;

    private ClusterMap(HostFile host, Qcow2Header h, long[] l1, int cacheTables) {
        this.host = host;
        this.clusterBits = h.clusterBits();
        this.l1Offset = h.l1TableOffset();
        this.l1 = l1;
        this.l2 = new TableCache(host, h.clusterSize(), cacheTables);
        this.virtualSize = h.size();
    }

    /// Reads the L1 table (only the entries the virtual size uses).
    static ClusterMap load(HostFile host, Qcow2Header h, int cacheTables) throws IOException {
        int n = (int) Qcow2Header.l1EntriesFor(h.size(), h.clusterBits());
        ByteBuffer buf = ByteBuffer.allocate(n * 8);
        host.read(h.l1TableOffset(), buf);
        buf.flip();
        long[] l1 = new long[n];
        for (int i = 0; i < n; i++) {
            l1[i] = buf.getLong();
        }
        return new ClusterMap(host, h, l1, cacheTables);
    }

    TableCache cache() {
        return l2;
    }

    private int l2Bits() {
        return clusterBits - 3;
    }

    private Qcow2FormatException bad(String problem) {
        return new Qcow2FormatException(host.path(), problem);
    }

    /// The host offset of the L2 table for L1 index `i`, or 0 when there is none.
    private long l2Offset(int i) throws Qcow2FormatException {
        long off = l1[i] & Qcow2Header.OFFSET_MASK;
        if (off != 0 && ((off & ((1L << clusterBits) - 1)) != 0 || off >= host.size())) {
            throw bad("L1 entry " + i + " points to an L2 table at offset " + off + ", which is "
                    + (off >= host.size() ? "past the end of the file (" + host.size() + " bytes)" : "not cluster-aligned"));
        }
        return off;
    }

    /// The raw L2 entry of guest cluster `g` (0 when its L2 table does not exist).
    long entry(long g) throws IOException {
        long off = l2Offset((int) (g >>> l2Bits()));
        if (off == 0) {
            return 0;
        }
        return TableCache.longAt(l2.get(off), (int) (g & ((1L << l2Bits()) - 1)));
    }

    /// The kind of `entry` for guest cluster `g`, after checking its host offset.
    L2Entry classify(long g, long entry) throws Qcow2FormatException {
        L2Entry kind = L2Entry.of(entry);
        if (kind == L2Entry.COMPRESSED) {
            throw bad("guest offset " + (g << clusterBits) + " is stored compressed (L2 entry 0x"
                    + Long.toHexString(entry) + "); Shear does not support compressed clusters");
        }
        if (kind.hasHostCluster()) {
            long off = L2Entry.hostOffset(entry);
            if ((off & ((1L << clusterBits) - 1)) != 0 || off >= host.size()) {
                throw bad("the L2 entry for guest offset " + (g << clusterBits) + " points to host offset " + off
                        + ", which is " + (off >= host.size() ? "past the end of the file (" + host.size() + " bytes)"
                        : "not cluster-aligned"));
            }
        }
        return kind;
    }

    /// The run from `pos` (before `end`) whose clusters are in the same state; with `contiguous`,
    /// DATA runs also stop where the host clusters stop being adjacent.
    Extent extent(long pos, long end, boolean hasBacking, boolean contiguous) throws IOException {
        long g = pos >>> clusterBits;
        long entry = entry(g);
        BlockStatus.State state = stateOf(classify(g, entry), hasBacking);
        long host0 = state == BlockStatus.State.DATA ? L2Entry.hostOffset(entry) : -1;
        long next = (g + 1) << clusterBits;
        while (next < end) {
            long ng = next >>> clusterBits;
            if (state != BlockStatus.State.DATA && (ng & ((1L << l2Bits()) - 1)) == 0
                    && l2Offset((int) (ng >>> l2Bits())) == 0 && stateOf(L2Entry.UNALLOCATED, hasBacking) == state) {
                next += 1L << (clusterBits + l2Bits());   // a whole missing L2 table
                continue;
            }
            long e = entry(ng);
            if (stateOf(classify(ng, e), hasBacking) != state
                    || contiguous && state == BlockStatus.State.DATA
                    && L2Entry.hostOffset(e) != host0 + (next - (g << clusterBits))) {
                break;
            }
            next += 1L << clusterBits;
        }
        long runEnd = Math.min(next, end);
        long host = host0 < 0 ? -1 : host0 + (pos - (g << clusterBits));
        return new Extent(state, pos, runEnd - pos, host);
    }

    static BlockStatus.State stateOf(L2Entry kind, boolean hasBacking) {
        return switch (kind) {
            case NORMAL -> BlockStatus.State.DATA;
            case ZERO, ZERO_ALLOCATED -> BlockStatus.State.ZERO;
            case UNALLOCATED -> hasBacking ? BlockStatus.State.UNALLOCATED : BlockStatus.State.ZERO;
            case COMPRESSED -> throw new IllegalStateException("compressed clusters are refused by classify");
        };
    }

    /// True when guest cluster `g` has an L2 table (lets zero/discard skip empty ranges quickly).
    boolean hasTable(long g) throws Qcow2FormatException {
        return l2Offset((int) (g >>> l2Bits())) != 0;
    }

    /// Writes `updates` (ascending guest clusters): new L2 tables are allocated in `rc` and written
    /// whole, existing ones get one write of the changed entry range each, and the L1 entries of new
    /// tables are written last, in one write. A failure before the L1 write frees the new tables.
    void apply(List<L2Update> updates, Refcounts rc) throws IOException {
        List<List<L2Update>> groups = new ArrayList<>();
        int newTables = 0;
        for (L2Update u : updates) {
            int i = (int) (u.guestCluster() >>> l2Bits());
            if (groups.isEmpty() || (groups.getLast().getFirst().guestCluster() >>> l2Bits()) != i) {
                groups.add(new ArrayList<>());
                if (l2Offset(i) == 0) {
                    newTables++;
                }
            }
            groups.getLast().add(u);
        }
        List<HostRun> fresh = newTables == 0 ? List.of() : rc.allocate(newTables);
        long[] freshOffsets = offsets(fresh);
        try {
            int next = 0;
            int lo = Integer.MAX_VALUE;
            int hi = -1;
            long[] newL1 = newTables == 0 ? l1 : l1.clone();     // only read where no table is new
            for (List<L2Update> group : groups) {
                int i = (int) (group.getFirst().guestCluster() >>> l2Bits());
                if (l2Offset(i) == 0) {
                    long off = freshOffsets[next++];
                    writeTable(off, new byte[1 << clusterBits], group, true);
                    newL1[i] = off | Qcow2Header.OFLAG_COPIED;
                    lo = Math.min(lo, i);
                    hi = Math.max(hi, i);
                } else {
                    if ((l1[i] & Qcow2Header.OFLAG_COPIED) == 0) {
                        throw bad("the L2 table at offset " + l2Offset(i) + " (L1 entry " + i + ") is shared with a "
                                + "snapshot (no COPIED flag); Shear does not write shared tables");
                    }
                    writeTable(l2Offset(i), l2.get(l2Offset(i)), group, false);
                }
            }
            if (hi >= 0) {
                ByteBuffer b = ByteBuffer.allocate((hi - lo + 1) * 8);
                for (int i = lo; i <= hi; i++) {
                    b.putLong(newL1[i]);
                }
                host.write(l1Offset + lo * 8L, b.flip());
                System.arraycopy(newL1, lo, l1, lo, hi - lo + 1);
            }
        } catch (IOException | RuntimeException e) {
            unlinkFresh(rc, fresh, freshOffsets, e);
            throw e;
        }
    }

    private void unlinkFresh(Refcounts rc, List<HostRun> fresh, long[] offsets, Exception failure) {
        for (long off : offsets) {
            l2.remove(off);
        }
        try {
            rc.free(fresh);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private long[] offsets(List<HostRun> runs) {
        long[] out = new long[(int) runs.stream().mapToLong(HostRun::count).sum()];
        int k = 0;
        for (HostRun r : runs) {
            for (long c = r.cluster(); c < r.end(); c++) {
                out[k++] = c << clusterBits;
            }
        }
        return out;
    }

    /// Sets the entries of `group` in `table` (a new table, or the cached one, changed in place) and
    /// writes them; a failed write puts the old entries back.
    private void writeTable(long off, byte[] table, List<L2Update> group, boolean whole) throws IOException {
        int mask = (1 << l2Bits()) - 1;
        int lo = (int) (group.getFirst().guestCluster() & mask);
        int hi = (int) (group.getLast().guestCluster() & mask);
        long[] old = new long[group.size()];
        for (int k = 0; k < old.length; k++) {
            int idx = (int) (group.get(k).guestCluster() & mask);
            old[k] = TableCache.longAt(table, idx);
            TableCache.setLong(table, idx, group.get(k).entry());
        }
        try {
            if (whole) {
                host.write(off, ByteBuffer.wrap(table));
            } else {
                host.write(off + lo * 8L, ByteBuffer.wrap(table, lo * 8, (hi - lo + 1) * 8));
            }
        } catch (IOException | RuntimeException e) {
            for (int k = old.length - 1; k >= 0; k--) {
                TableCache.setLong(table, (int) (group.get(k).guestCluster() & mask), old[k]);
            }
            throw e;
        }
        l2.put(off, table);
    }

    long virtualSize() {
        return virtualSize;
    }
}
