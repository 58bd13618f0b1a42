package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/// The write path of a [Qcow2Node].
///
/// Writes that only touch clusters already allocated go straight to their host clusters
/// ([#tryWriteInPlace], under the node's read lock). Other writes go in three steps:
/// 1. [#prepare] (under the write lock): allocate one host cluster per guest cluster that has none,
///    all in one [Refcounts#allocate] (contiguous when the free space is), which writes their
///    refcounts first;
/// 2. [#writeData] (the node may drop its lock, having fenced off the guest clusters): clusters only
///    partly covered get the rest of their old contents (the backing file's data or zeroes) so a
///    whole cluster is written (copy-on-write); host-adjacent pieces go out in one write;
/// 3. [#commit] (under the write lock): write the new L2 entries through [ClusterMap#apply] (L1
///    entries last).
///
/// If step 2 fails, [#abort] frees the new clusters again; a failure later only leaks them.
final class ClusterWriter {
    private final HostFile host;
    private final ClusterMap map;
    private final Refcounts rc;
    /// The backing node, or null.
    private final BlockNode backing;
    private final int clusterBits;

    ClusterWriter(HostFile host, ClusterMap map, Refcounts rc, BlockNode backing, int clusterBits) {
        this.host = host;
        this.map = map;
        this.rc = rc;
        this.backing = backing;
        this.clusterBits = clusterBits;
    }

    private int clusters(long offset, long end) {
        return (int) (((end - 1) >>> clusterBits) - (offset >>> clusterBits) + 1);
    }

    /// Writes `src` at `offset` when every cluster it touches is already allocated and not shared;
    /// returns false (having written nothing) otherwise.
    boolean tryWriteInPlace(long offset, ByteBuffer src) throws IOException {
        long g0 = offset >>> clusterBits;
        long[] hosts = new long[clusters(offset, offset + src.remaining())];
        for (int i = 0; i < hosts.length; i++) {
            long e = map.entry(g0 + i);
            if (map.classify(g0 + i, e) != L2Entry.NORMAL || (e & Qcow2Header.OFLAG_COPIED) == 0) {
                return false;
            }
            hosts[i] = L2Entry.hostOffset(e);
        }
        writePieces(offset, src, hosts, null);
        return true;
    }

    /// The host clusters of an allocating write of `length` bytes at `offset`: one per guest
    /// cluster (`kinds` says what each guest cluster was), and the runs allocated for it.
    record Allocation(long offset, long[] hosts, L2Entry[] kinds, List<HostRun> runs) {
    }

    /// Writes `src` at `offset`, allocating clusters as needed, all in one go. Needs the node's
    /// write lock.
    void write(long offset, ByteBuffer src) throws IOException {
        Allocation a = prepare(offset, src.remaining());
        try {
            writeData(a, src);
        } catch (IOException | RuntimeException e) {
            abort(a, e);
            throw e;
        }
        commit(a);
    }

    /// Step 1: allocates the missing host clusters. Needs the node's write lock.
    Allocation prepare(long offset, int length) throws IOException {
        long g0 = offset >>> clusterBits;
        int n = clusters(offset, offset + length);
        long[] hosts = new long[n];
        L2Entry[] kinds = new L2Entry[n];
        int fresh = 0;
        for (int i = 0; i < n; i++) {
            long e = map.entry(g0 + i);
            kinds[i] = map.classify(g0 + i, e);
            if (kinds[i].hasHostCluster()) {
                if ((e & Qcow2Header.OFLAG_COPIED) == 0) {
                    throw new Qcow2FormatException(host.path(), "guest offset " + ((g0 + i) << clusterBits)
                            + " maps to a host cluster shared with a snapshot (no COPIED flag); Shear does not "
                            + "write shared clusters");
                }
                hosts[i] = L2Entry.hostOffset(e);
            } else {
                hosts[i] = -1;
                fresh++;
            }
        }
        List<HostRun> runs = fresh == 0 ? List.of() : rc.allocate(fresh);
        assign(hosts, runs);
        return new Allocation(offset, hosts, kinds, runs);
    }

    /// Step 2: writes the data of `src` into the allocation's host clusters. Needs no lock when the
    /// node keeps other writers off the guest clusters meanwhile.
    void writeData(Allocation a, ByteBuffer src) throws IOException {
        writePieces(a.offset(), src, a.hosts(), a.kinds());
    }

    /// Step 3: points the L2 entries at the new clusters. Needs the node's write lock.
    void commit(Allocation a) throws IOException {
        long g0 = a.offset() >>> clusterBits;
        List<L2Update> updates = new ArrayList<>();
        for (int i = 0; i < a.hosts().length; i++) {
            if (a.kinds()[i] != L2Entry.NORMAL) {
                updates.add(new L2Update(g0 + i, a.hosts()[i] | Qcow2Header.OFLAG_COPIED));
            }
        }
        map.apply(updates, rc);
    }

    /// After a failed step 2: frees the new clusters (a failure doing so is added to `cause`).
    /// Needs the node's write lock.
    void abort(Allocation a, Throwable cause) {
        try {
            rc.free(a.runs());
        } catch (IOException | RuntimeException f) {
            cause.addSuppressed(f);
        }
    }

    private void assign(long[] hosts, List<HostRun> runs) {
        int i = 0;
        for (HostRun r : runs) {
            for (long c = r.cluster(); c < r.end(); c++) {
                while (hosts[i] != -1) {
                    i++;
                }
                hosts[i++] = c << clusterBits;
            }
        }
    }

    /// Writes the data of `src` into the host clusters `hosts` (one per guest cluster). With `kinds`
    /// null every cluster holds data already; otherwise clusters that are not NORMAL and only partly
    /// covered are completed with their old contents first.
    private void writePieces(long offset, ByteBuffer src, long[] hosts, L2Entry[] kinds) throws IOException {
        int cs = 1 << clusterBits;
        long end = offset + src.remaining();
        long g0 = offset >>> clusterBits;
        int base = src.position();
        Coalescer out = new Coalescer(src);
        for (int i = 0; i < hosts.length; i++) {
            long gStart = (g0 + i) << clusterBits;
            int a = (int) (Math.max(offset, gStart) - gStart);
            int b = (int) (Math.min(end, gStart + cs) - gStart);
            int srcAt = base + (int) (gStart + a - offset);
            if (kinds == null || kinds[i] == L2Entry.NORMAL || (a == 0 && b == cs)) {
                out.add(hosts[i] + a, src.slice(srcAt, b - a), srcAt);
            } else {
                byte[] buf = oldContents(kinds[i], gStart);
                src.get(srcAt, buf, a, b - a);
                out.add(hosts[i], ByteBuffer.wrap(buf), -1);
            }
        }
        out.flush();
        src.position(src.limit());
    }

    /// What guest cluster `gStart` reads as before the write: the backing file's data for an
    /// unallocated cluster (zeroes past its end), zeroes otherwise.
    private byte[] oldContents(L2Entry kind, long gStart) throws IOException {
        byte[] buf = new byte[1 << clusterBits];
        if (kind == L2Entry.UNALLOCATED && backing != null) {
            long n = Math.min(buf.length, Math.min(map.virtualSize(), backing.size()) - gStart);
            if (n > 0) {
                backing.read(gStart, ByteBuffer.wrap(buf, 0, (int) n));
            }
        }
        return buf;
    }

    /// Collects pieces and writes host-adjacent ones with one write (slicing `src` when they all
    /// come from it, copying otherwise).
    private final class Coalescer {
        private final ByteBuffer src;
        private final List<ByteBuffer> parts = new ArrayList<>();
        private long hostStart;
        private long length;
        private int srcStart;
        private boolean allFromSrc;

        Coalescer(ByteBuffer src) {
            this.src = src;
        }

        /// Adds a piece for host offset `at`; `srcAt` is where it starts in `src`, or -1 for a copy.
        void add(long at, ByteBuffer piece, int srcAt) throws IOException {
            if (!parts.isEmpty() && at != hostStart + length) {
                flush();
            }
            if (parts.isEmpty()) {
                hostStart = at;
                length = 0;
                srcStart = srcAt;
                allFromSrc = true;
            }
            allFromSrc &= srcAt >= 0;
            parts.add(piece);
            length += piece.remaining();
        }

        void flush() throws IOException {
            if (parts.isEmpty()) {
                return;
            }
            ByteBuffer data;
            if (parts.size() == 1) {
                data = parts.getFirst();
            } else if (allFromSrc) {
                data = src.slice(srcStart, (int) length);
            } else {
                data = ByteBuffer.allocate((int) length);
                for (ByteBuffer p : parts) {
                    data.put(p);
                }
                data.flip();
            }
            host.write(hostStart, data);
            parts.clear();
        }
    }
}
