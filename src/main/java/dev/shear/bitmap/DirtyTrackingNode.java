package dev.shear.bitmap;

import dev.shear.block.BlockNode;
import dev.shear.block.FilterNode;
import java.io.IOException;
import java.nio.ByteBuffer;

/// Records every write, write-zeroes and discard of a guest in a persistent dirty bitmap (the
/// basis of incremental backups), then forwards it. Reads, flush and block status pass through.
///
/// The bit is set *before* the request is forwarded, so a crash can only over-report changes.
/// The bitmap can be swapped atomically ([#setBitmap]) while a backup freezes it.
public final class DirtyTrackingNode extends FilterNode {
    /// The bitmap being filled; replaced atomically.
    private volatile ClusterBitmap bitmap;

    public DirtyTrackingNode(BlockNode inner, ClusterBitmap bitmap) {
        super(inner);
        if (bitmap.length() != inner.size()) {
            throw new IllegalArgumentException("dirty bitmap covers " + bitmap.length() + " bytes, "
                    + inner.describe() + " has " + inner.size());
        }
        this.bitmap = bitmap;
    }

    /// The bitmap that collects guest writes now.
    public ClusterBitmap bitmap() {
        return bitmap;
    }

    /// Makes `next` collect guest writes from now on (same geometry).
    public void setBitmap(ClusterBitmap next) {
        if (next.length() != inner.size()) {
            throw new IllegalArgumentException("dirty bitmap covers " + next.length() + " bytes, disk has "
                    + inner.size());
        }
        bitmap = next;
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    private void mark(long offset, long length) {
        if (length > 0 && offset >= 0 && length <= inner.size() - offset) {
            bitmap.set(offset, length);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws IOException {
        mark(offset, src.remaining());
        inner.write(offset, src, fua);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayUnmap) throws IOException {
        mark(offset, length);
        inner.writeZeroes(offset, length, mayUnmap);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        mark(offset, length);
        inner.discard(offset, length);
    }
}
