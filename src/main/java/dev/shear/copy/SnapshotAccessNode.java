package dev.shear.copy;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.ReadOnlyException;
import dev.shear.block.Requests;
import java.io.IOException;
import java.nio.ByteBuffer;

/// The read-only point-in-time view of a disk under a [CbwFilter] — QEMU's `snapshot-access`.
///
/// * Reads return the disk as it was when the filter went in: from the CBW target for clusters
///   whose old data was copied there, otherwise from the live disk while holding off overlapping
///   guest writes.
/// * Block status describes the same view.
/// * Discard hands finished ranges back (aligned inward to clusters): they become unreadable and
///   their space in the fleecing image is freed. A backup job with `discard-source` does this after
///   each task; a pull-mode client does it with NBD TRIM.
/// * Reading a discarded range, or anything after the snapshot broke, is an [IOException] saying
///   why; writes are refused.
public final class SnapshotAccessNode implements BlockNode {
    private final CbwFilter cbw;
    private volatile boolean closed;

    public SnapshotAccessNode(CbwFilter cbw) {
        this.cbw = cbw;
    }

    /// The filter whose point in time this node shows.
    public CbwFilter filter() {
        return cbw;
    }

    @Override
    public long size() {
        return cbw.size();
    }

    @Override
    public int clusterSize() {
        return cbw.blockCopy().clusterSize();
    }

    @Override
    public String describe() {
        return "snapshot of " + cbw.source().describe();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, dst.remaining());
        long pos = offset;
        int limit = dst.limit();
        try {
            while (dst.hasRemaining()) {
                CbwFilter.Lease lease = cbw.readLock(pos, dst.remaining());
                try {
                    dst.limit(dst.position() + (int) lease.length());
                    lease.file().read(pos, dst);
                } finally {
                    dst.limit(limit);
                    cbw.readUnlock(lease);
                }
                pos += lease.length();
            }
        } finally {
            dst.limit(limit);
        }
    }

    @Override
    public BlockStatus blockStatus(long offset, long length) throws IOException {
        BlockStatus empty = Requests.checkStatusRequest(closed, this, offset, length);
        if (empty != null) {
            return empty;
        }
        CbwFilter.Lease lease = cbw.readLock(offset, length);
        try {
            BlockStatus s = lease.file().blockStatus(offset, lease.length());
            if (lease.frozen() == null && s.state() == BlockStatus.State.UNALLOCATED) {
                // the fleecing image holds these clusters' old data; it has no backing to fall through to
                return new BlockStatus(BlockStatus.State.DATA, s.offset(), s.length());
            }
            return s;
        } finally {
            cbw.readUnlock(lease);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        Requests.checkOpen(closed, this);
        Requests.checkRange(this, offset, length);
        cbw.discardSnapshot(offset, length);
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        throw readOnly();
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        throw readOnly();
    }

    private IOException readOnly() {
        return new ReadOnlyException(describe() + " is read-only: a backup snapshot cannot be written");
    }

    @Override
    public void flush() throws IOException {
        Requests.checkOpen(closed, this);
    }

    @Override
    public long allocatedBytes() throws IOException {
        return cbw.blockCopy().target().allocatedBytes();
    }

    @Override
    public void close() {
        closed = true;
    }
}
