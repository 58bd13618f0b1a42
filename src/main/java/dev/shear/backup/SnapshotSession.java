package dev.shear.backup;

import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.CbwFilter;
import dev.shear.copy.OnCbwError;
import dev.shear.copy.SnapshotAccessNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/// Pull-mode fleecing: the point in time of a guest's disks, held with copy-before-write filters
/// writing old data to fleecing images, and offered as read-only [SnapshotAccessNode]s for an
/// external backup tool to read (over NBD). The tool hands finished ranges back with discard
/// (NBD TRIM), which frees them in the fleecing images. Closing takes the filters out of the path.
///
/// All filters go in while I/O to every disk is held, so the disks share one instant.
public final class SnapshotSession implements AutoCloseable {

    /// One disk: its seat in the I/O path and its fleecing image (same size).
    public record Disk(String name, DrainableNode seat, BlockNode fleece) {
    }

    private record Inserted(Disk disk, BlockNode original, CbwFilter cbw, SnapshotAccessNode snapshot) {
    }

    private final List<Inserted> inserted;
    private boolean closed;

    private SnapshotSession(List<Inserted> inserted) {
        this.inserted = inserted;
    }

    /// Fixes the point in time on every disk at once.
    ///
    /// @throws IllegalArgumentException when a fleecing image does not fit its disk
    public static SnapshotSession start(List<Disk> disks, OnCbwError onError, long cbwTimeoutSeconds) {
        EngineWarmup.ensure();                       // the guest's writes meet copy-before-write from now on
        List<BlockCopy> copies = new ArrayList<>();
        for (Disk d : disks) {
            copies.add(BlockCopy.create(d.seat().delegate(), d.fleece(), GuestBackup.fleecingCopy(d.seat().delegate()), null));
        }
        List<DrainableNode.Drained> drained = new ArrayList<>();
        List<Inserted> done = new ArrayList<>();
        try {
            for (Disk d : disks) {
                drained.add(d.seat().drain());
            }
            for (int i = 0; i < disks.size(); i++) {
                Disk d = disks.get(i);
                BlockCopy bc = copies.get(i);
                if (bc.source() != d.seat().delegate()) {
                    throw new IllegalStateException("disk " + d.name() + " changed while the snapshot was prepared");
                }
                CbwFilter cbw = new CbwFilter(bc, onError, cbwTimeoutSeconds);
                drained.get(i).replace(cbw);
                done.add(new Inserted(d, bc.source(), cbw, new SnapshotAccessNode(cbw)));
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < done.size(); i++) {
                drained.get(i).replace(done.get(i).original());
            }
            throw e;
        } finally {
            drained.forEach(DrainableNode.Drained::close);
        }
        return new SnapshotSession(List.copyOf(done));
    }

    /// The point-in-time views, one per disk in order.
    public List<SnapshotAccessNode> snapshots() {
        return inserted.stream().map(Inserted::snapshot).toList();
    }

    /// The first copy-before-write failure that broke a snapshot, or null.
    public IOException brokenError() {
        for (Inserted i : inserted) {
            if (i.cbw().snapshotError() != null) {
                return i.cbw().snapshotError();
            }
        }
        return null;
    }

    /// Takes every filter out of its disk's path (the fleecing images belong to the caller).
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Inserted i : inserted) {
            try (DrainableNode.Drained d = i.disk().seat().drain()) {
                d.replace(i.original());
            }
            i.snapshot().close();
            i.cbw().close();
        }
    }
}
