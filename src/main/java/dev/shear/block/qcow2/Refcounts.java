package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/// The refcount table and blocks of a writable image: host cluster allocation and freeing.
///
/// **Allocation** takes the lowest free clusters (first fit from a hint below which every cluster is
/// in use), so clusters freed by discard are reused before the file grows. A cluster whose refcount
/// block does not exist yet gets one first: the new block is written at the lowest free cluster
/// *before* the refcount table entry pointing at it, and when the table itself is full,
/// [RefcountTableGrowth] moves it. Then the refcounts of the allocated clusters are written, one
/// write per refcount block touched. So the refcount table never points at an unwritten block, and
/// a cluster's refcount is on disk before anyone can use the cluster.
///
/// **Freeing** punches the clusters out of the file, then lowers their refcounts (after the caller
/// dropped every reference). Punching first means a cluster is never handed out again while its
/// range is still being punched; a crash in between only leaks it.
///
/// Not thread-safe: every method must be called with the node's write lock held. Blocks live in a
/// [TableCache], so memory stays bounded.
final class Refcounts {
    private final HostFile host;
    private final int clusterBits;
    private final RefcountWidth width;
    /// log2 of the entries per refcount block.
    private final int blockBits;
    private final TableCache blocks;
    /// Where the refcount table is; guarded by the node's write lock (moved by growth).
    long tableOffset;
    /// The refcount table (host offsets of blocks, 0 = none); guarded by the node's write lock.
    long[] table;
    /// Every cluster below this one is in use; guarded by the node's write lock.
    private long freeHint = 1;

    private Refcounts(HostFile host, int clusterBits, int order, long tableOffset, long[] table, int cacheBlocks) {
        this.host = host;
        this.clusterBits = clusterBits;
        this.width = new RefcountWidth(order);
        this.blockBits = width.blockBits(clusterBits);
        this.blocks = new TableCache(host, 1 << clusterBits, cacheBlocks);
        this.tableOffset = tableOffset;
        this.table = table;
    }

    /// Reads the refcount table of `host` and checks that every block it names is inside the file.
    static Refcounts load(HostFile host, Qcow2Header h, int cacheBlocks) throws IOException {
        int entries = (int) (h.refcountTableClusters() << (h.clusterBits() - 3));
        ByteBuffer buf = ByteBuffer.allocate(entries * 8);
        host.read(h.refcountTableOffset(), buf);
        buf.flip();
        long[] table = new long[entries];
        for (int i = 0; i < entries; i++) {
            long e = buf.getLong() & Qcow2Header.REFT_OFFSET_MASK;
            if (e != 0 && ((e & (h.clusterSize() - 1)) != 0 || e >= host.size())) {
                throw new Qcow2FormatException(host.path(), "refcount table entry " + i + " points to offset " + e
                        + ", which is " + (e >= host.size() ? "past the end of the file (" + host.size() + " bytes)"
                        : "not cluster-aligned"));
            }
            table[i] = e;
        }
        return new Refcounts(host, h.clusterBits(), h.refcountOrder(), h.refcountTableOffset(), table, cacheBlocks);
    }

    int clusterBits() {
        return clusterBits;
    }

    int blockBits() {
        return blockBits;
    }

    RefcountWidth width() {
        return width;
    }

    TableCache blocks() {
        return blocks;
    }

    HostFile host() {
        return host;
    }

    boolean hasBlock(long index) {
        return index < table.length && table[(int) index] != 0;
    }

    /// The refcount of host cluster `cluster`.
    long get(long cluster) throws IOException {
        long t = cluster >>> blockBits;
        if (!hasBlock(t)) {
            return 0;
        }
        return width.get(blocks.get(table[(int) t]), (int) (cluster & ((1L << blockBits) - 1)));
    }

    /// Fails unless every cluster of `[offset, offset+length)` has a refcount: metadata the image
    /// uses must never look free, or allocation would overwrite it.
    void checkInUse(long offset, long length, String what) throws IOException {
        for (long c = offset >>> clusterBits; c <= (offset + Math.max(1, length) - 1) >>> clusterBits; c++) {
            if (get(c) == 0) {
                throw new Qcow2FormatException(host.path(), what + " at offset " + offset + " has refcount 0 in "
                        + "cluster " + (c << clusterBits) + "; repair the image with 'qemu-img check -r all'");
            }
        }
    }

    /// `n` free clusters, the lowest first (possibly several runs), with their refcounts set to 1.
    List<HostRun> allocate(long n) throws IOException {
        while (true) {
            List<HostRun> runs = new ArrayList<>();
            long need = n;
            long pos = freeHint;
            while (need > 0) {
                long start = firstFree(pos);
                long len = freeRunLength(start, need);
                runs.add(new HostRun(start, len));
                need -= len;
                pos = start + len;
            }
            if (blocksExistFor(runs)) {
                update(runs, +1);
                freeHint = runs.getFirst().end();
                return runs;
            }
        }
    }

    /// `n` contiguous free clusters with their refcounts set to 1; returns the first.
    long allocateContiguous(long n) throws IOException {
        while (true) {
            long start = findContiguous(n);
            List<HostRun> run = List.of(new HostRun(start, n));
            if (blocksExistFor(run)) {
                update(run, +1);
                return start;
            }
        }
    }

    /// Punches `runs` (which nothing references any more) out of the file and lowers their refcounts.
    void free(List<HostRun> runs) throws IOException {
        IOException punch = null;
        try {
            punch(runs);
        } catch (IOException e) {
            punch = e;
        }
        release(runs);
        if (punch != null) {
            throw punch;
        }
    }

    /// Deallocates the host ranges of `runs`; needs no lock (the clusters keep their refcounts, so
    /// nobody is given them meanwhile).
    void punch(List<HostRun> runs) throws IOException {
        for (HostRun r : runs) {
            host.punchHole(r.cluster() << clusterBits, r.count() << clusterBits);
        }
    }

    /// Lowers the refcounts of `runs` (which nothing references any more and which were punched),
    /// making them free for allocation.
    void release(List<HostRun> runs) throws IOException {
        if (runs.isEmpty()) {
            return;
        }
        update(runs, -1);
        for (HostRun r : runs) {
            freeHint = Math.min(freeHint, r.cluster());
        }
    }

    /// The first cluster ≥ `from` whose refcount is 0.
    long firstFree(long from) throws IOException {
        long i = from;
        while (true) {
            long t = i >>> blockBits;
            if (!hasBlock(t)) {
                return i;
            }
            byte[] b = blocks.get(table[(int) t]);
            int entries = 1 << blockBits;
            for (int idx = (int) (i & (entries - 1)); idx < entries; idx++) {
                if (width.get(b, idx) == 0) {
                    return (t << blockBits) + idx;
                }
            }
            i = (t + 1) << blockBits;
        }
    }

    /// How many clusters from `start` (at most `max`) are free.
    long freeRunLength(long start, long max) throws IOException {
        long i = start;
        long end = start + max;
        while (i < end) {
            long t = i >>> blockBits;
            long blockEnd = Math.min(end, (t + 1) << blockBits);
            if (!hasBlock(t)) {
                i = blockEnd;
                continue;
            }
            byte[] b = blocks.get(table[(int) t]);
            while (i < blockEnd && width.get(b, (int) (i & ((1L << blockBits) - 1))) == 0) {
                i++;
            }
            if (i < blockEnd) {
                break;
            }
        }
        return i - start;
    }

    /// The first cluster of the lowest run of `n` free clusters.
    long findContiguous(long n) throws IOException {
        long pos = freeHint;
        while (true) {
            long start = firstFree(pos);
            long len = freeRunLength(start, n);
            if (len == n) {
                return start;
            }
            pos = start + len;
        }
    }

    /// True when every cluster of `runs` has a refcount block; otherwise creates one missing block
    /// (or grows the table) and returns false, so the caller searches again.
    private boolean blocksExistFor(List<HostRun> runs) throws IOException {
        for (HostRun r : runs) {
            if ((r.end() << clusterBits) > Qcow2Header.MAX_HOST_OFFSET) {
                throw new Qcow2FormatException(host.path(), "the image file would grow past 64 PiB, the largest "
                        + "host offset qcow2 can address");
            }
            for (long t = r.cluster() >>> blockBits; t <= (r.end() - 1) >>> blockBits; t++) {
                if (!hasBlock(t)) {
                    createBlock(t);
                    return false;
                }
            }
        }
        return true;
    }

    /// Creates the refcount block for table index `t`, or a block it depends on, or grows the table.
    private void createBlock(long t) throws IOException {
        if (t >= table.length) {
            RefcountTableGrowth.grow(this, t);
            return;
        }
        long p = firstFree(freeHint);
        long u = p >>> blockBits;
        if (u >= table.length) {
            RefcountTableGrowth.grow(this, u);
            return;
        }
        byte[] block = new byte[1 << clusterBits];
        if (!hasBlock(u)) {
            // p lies in a range without a block: make p the block of that range, counting itself
            width.set(block, (int) (p & ((1L << blockBits) - 1)), 1);
            writeBlock(p, block, u);
        } else {
            // p is counted by an existing block; the new block for t starts empty
            update(List.of(new HostRun(p, 1)), +1);
            writeBlock(p, block, t);
        }
        freeHint = p + 1;
    }

    /// Writes a new block at cluster `p`, then the table entry `index` pointing at it.
    private void writeBlock(long p, byte[] block, long index) throws IOException {
        long offset = p << clusterBits;
        host.write(offset, ByteBuffer.wrap(block));
        blocks.put(offset, block);
        host.write(tableOffset + index * 8, ByteBuffer.allocate(8).putLong(0, offset));
        table[(int) index] = offset;
    }

    /// Adds `delta` to the refcount of every cluster in `runs`: checks all first, then writes each
    /// touched block once (the changed byte range only).
    void update(List<HostRun> runs, int delta) throws IOException {
        TreeMap<Long, List<HostRun>> byBlock = new TreeMap<>();
        for (HostRun r : runs) {
            for (long c = r.cluster(); c < r.end(); ) {
                long t = c >>> blockBits;
                long end = Math.min(r.end(), (t + 1) << blockBits);
                byBlock.computeIfAbsent(t, k -> new ArrayList<>()).add(new HostRun(c, end - c));
                c = end;
            }
        }
        for (Map.Entry<Long, List<HostRun>> e : byBlock.entrySet()) {
            check(e.getKey(), e.getValue(), delta);
        }
        for (Map.Entry<Long, List<HostRun>> e : byBlock.entrySet()) {
            updateBlock(table[e.getKey().intValue()], e.getValue(), delta);
        }
    }

    /// Changes the cached block at `offset` in place and writes the changed byte range; a failed
    /// write undoes the change.
    private void updateBlock(long offset, List<HostRun> runs, int delta) throws IOException {
        byte[] b = blocks.get(offset);
        int lo = Integer.MAX_VALUE;
        int hi = -1;
        for (HostRun r : runs) {
            lo = Math.min(lo, (int) (r.cluster() & ((1L << blockBits) - 1)));
            hi = Math.max(hi, (int) ((r.end() - 1) & ((1L << blockBits) - 1)));
            addAll(b, r, delta);
        }
        int from = width.firstByte(lo);
        try {
            host.write(offset + from, ByteBuffer.wrap(b, from, width.endByte(hi) - from));
        } catch (IOException | RuntimeException e) {
            for (HostRun r : runs) {
                addAll(b, r, -delta);
            }
            throw e;
        }
    }

    private void addAll(byte[] block, HostRun r, int delta) {
        for (long c = r.cluster(); c < r.end(); c++) {
            int idx = (int) (c & ((1L << blockBits) - 1));
            width.set(block, idx, width.get(block, idx) + delta);
        }
    }

    private void check(long t, List<HostRun> runs, int delta) throws IOException {
        if (!hasBlock(t)) {
            throw new Qcow2FormatException(host.path(), "cluster " + (runs.getFirst().cluster() << clusterBits)
                    + " has no refcount block (refcount table entry " + t + " is empty) but is in use");
        }
        byte[] b = blocks.get(table[(int) t]);
        for (HostRun r : runs) {
            for (long c = r.cluster(); c < r.end(); c++) {
                long v = width.get(b, (int) (c & ((1L << blockBits) - 1))) + delta;
                if (v < 0 || v > width.max()) {
                    throw new Qcow2FormatException(host.path(), "refcount of host cluster at offset " + (c << clusterBits)
                            + " would become " + v + " (refcount entries are " + width.bits() + " bits)");
                }
            }
        }
    }

    /// Makes `newTable` at `offset` the refcount table (called by growth after the header points at it).
    void switchTable(long offset, long[] newTable) {
        this.tableOffset = offset;
        this.table = newTable;
    }
}
