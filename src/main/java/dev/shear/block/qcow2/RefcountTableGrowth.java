package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/// Moves a full refcount table to a bigger one, as QEMU does when the file outgrows what the table's
/// blocks can describe (it happens early with 512-byte clusters: one table cluster there covers 8 MiB).
///
/// The new table and the new refcount blocks that describe it are placed together in one free
/// *area*; each new block counts the area clusters in its own range, existing blocks get the rest.
/// Write order, so that a crash at any point leaves the old table valid and at most leaks clusters:
/// 1. the new refcount blocks, 2. the new table (old entries plus the new blocks),
/// 3. the refcounts of area clusters that existing blocks describe,
/// 4. the header's `refcount_table_offset` and `refcount_table_clusters` (one 12-byte write),
/// 5. the old table's clusters are freed (through the new table) and punched.
final class RefcountTableGrowth {
    private RefcountTableGrowth() {
    }

    /// Grows the table of `rc` so that it has an entry `neededIndex` (and at least doubles it).
    static void grow(Refcounts rc, long neededIndex) throws IOException {
        int clusterBits = rc.clusterBits();
        int blockBits = rc.blockBits();
        long clusterSize = 1L << clusterBits;
        long entriesNeeded = Math.max(neededIndex + 1, 2L * rc.table.length);
        while (true) {
            long tableClusters = (entriesNeeded * 8 + clusterSize - 1) / clusterSize;
            checkLimit(rc, tableClusters);
            long area = tableClusters;
            long start;
            long missing;
            while (true) {
                start = rc.findContiguous(area);
                missing = missingBlocks(rc, start, area).size();
                if (tableClusters + missing <= area) {
                    break;
                }
                area = tableClusters + missing;
            }
            tableClusters = area - missing;   // a spare cluster just makes the table bigger
            checkLimit(rc, tableClusters);
            long lastIndex = (start + area - 1) >>> blockBits;
            long newEntries = tableClusters * clusterSize / 8;
            if (lastIndex < newEntries) {
                install(rc, start, area, tableClusters);
                return;
            }
            entriesNeeded = lastIndex + 1;
        }
    }

    private static void checkLimit(Refcounts rc, long tableClusters) throws Qcow2FormatException {
        if (tableClusters << rc.clusterBits() > Qcow2Header.MAX_REFCOUNT_TABLE_BYTES) {
            throw new Qcow2FormatException(rc.host().path(), "the image file outgrew the largest refcount table QEMU "
                    + "supports (8 MiB); use a larger cluster size");
        }
    }

    /// Table indices covering `[start, start+area)` that have no block yet.
    private static List<Long> missingBlocks(Refcounts rc, long start, long area) {
        List<Long> out = new ArrayList<>();
        for (long u = start >>> rc.blockBits(); u <= (start + area - 1) >>> rc.blockBits(); u++) {
            if (!rc.hasBlock(u)) {
                out.add(u);
            }
        }
        return out;
    }

    private static void install(Refcounts rc, long start, long area, long tableClusters) throws IOException {
        int clusterBits = rc.clusterBits();
        int blockBits = rc.blockBits();
        HostFile host = rc.host();
        long end = start + area;
        List<Long> missing = missingBlocks(rc, start, area);
        long[] newTable = Arrays.copyOf(rc.table, (int) ((tableClusters << clusterBits) / 8));
        long pos = start;
        for (long u : missing) {
            newTable[(int) u] = (pos++) << clusterBits;
        }
        long tableStart = pos << clusterBits;
        // 1. new blocks, each counting the area clusters in its range
        for (long u : missing) {
            byte[] block = new byte[1 << clusterBits];
            for (long c = Math.max(start, u << blockBits); c < Math.min(end, (u + 1) << blockBits); c++) {
                rc.width().set(block, (int) (c & ((1L << blockBits) - 1)), 1);
            }
            host.write(newTable[(int) u], ByteBuffer.wrap(block));
            rc.blocks().put(newTable[(int) u], block);
        }
        // 2. the new table
        ByteBuffer t = ByteBuffer.allocate((int) (tableClusters << clusterBits));
        for (long e : newTable) {
            t.putLong(e);
        }
        host.write(tableStart, t.flip());
        // 3. area clusters counted by blocks that already exist
        List<HostRun> counted = new ArrayList<>();
        for (long u = start >>> blockBits; u <= (end - 1) >>> blockBits; u++) {
            if (!missing.contains(u)) {
                long from = Math.max(start, u << blockBits);
                counted.add(new HostRun(from, Math.min(end, (u + 1) << blockBits) - from));
            }
        }
        if (!counted.isEmpty()) {
            rc.update(counted, +1);
        }
        // 4. the header
        ByteBuffer h = ByteBuffer.allocate(12).putLong(tableStart).putInt((int) tableClusters).flip();
        host.write(Qcow2Header.OFF_REFCOUNT_TABLE_OFFSET, h);
        long oldOffset = rc.tableOffset;
        long oldClusters = ((long) rc.table.length * 8) >>> clusterBits;
        rc.switchTable(tableStart, newTable);
        // 5. the old table
        rc.free(List.of(new HostRun(oldOffset >>> clusterBits, oldClusters)));
    }
}
