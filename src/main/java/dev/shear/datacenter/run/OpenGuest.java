package dev.shear.datacenter.run;

import dev.shear.bitmap.DirtyTrackingNode;
import dev.shear.block.BlockNode;
import dev.shear.block.DrainableNode;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/// A guest's disks opened for I/O in this process, each as the stack a backup needs:
/// image ← dirty-bitmap tracker ← seat (where copy-before-write goes in). Serving them over NBD
/// (`shear run`) or backing them up offline both start here.
///
/// Opening claims the guest ([GuestRuns]); closing flushes every disk, saves the dirty bitmaps,
/// closes the images and releases the claim — also when something in between fails.
public final class OpenGuest implements AutoCloseable {

    /// One open disk.
    ///
    /// @param disk    its configuration
    /// @param image   the volume's node
    /// @param tracker records guest writes in [#bitmap]
    /// @param seat    the disk's place in the I/O path: all guest I/O goes here
    /// @param bitmap  the persistent dirty bitmap
    public record Disk(GuestDisk disk, BlockNode image, DirtyTrackingNode tracker, DrainableNode seat,
                       TrackedBitmap bitmap) {
        public String key() {
            return disk.key();
        }
    }

    private final Datacenter dc;
    private final GuestConfig config;
    private final RunClaim claim;
    private final List<Disk> disks;
    private boolean closed;

    private OpenGuest(Datacenter dc, GuestConfig config, RunClaim claim, List<Disk> disks) {
        this.dc = dc;
        this.config = config;
        this.claim = claim;
        this.disks = List.copyOf(disks);
    }

    /// Claims guest `config.vmid()` for `purpose` and opens its disks.
    ///
    /// @throws GuestBusyException when the guest is open elsewhere
    public static OpenGuest open(Datacenter dc, GuestConfig config, String purpose) throws IOException {
        RunClaim claim = new GuestRuns(dc.root()).claim(config.vmid(), purpose);
        DirtyBitmaps bitmaps = new DirtyBitmaps(dc.root());
        List<Disk> disks = new ArrayList<>();
        boolean ok = false;
        try {
            for (GuestDisk d : config.disks()) {
                Storage storage = dc.storages().get(d.volume().storage());
                BlockNode image = storage.open(d.volume().name(), true);
                if (image.size() != d.size()) {
                    long actual = image.size();
                    image.close();
                    throw new IOException("disk " + d.key() + " (" + d.volume() + ") is " + actual
                            + " bytes but guest " + config.vmid() + "'s config says " + d.size());
                }
                TrackedBitmap bitmap = bitmaps.checkout(config.vmid(), d.key(), d.size());
                DirtyTrackingNode tracker = new DirtyTrackingNode(image, bitmap.bits());
                disks.add(new Disk(d, image, tracker, new DrainableNode(tracker), bitmap));
            }
            ok = true;
            return new OpenGuest(dc, config, claim, disks);
        } finally {
            if (!ok) {
                closeAll(disks, null, config.vmid(), claim);
            }
        }
    }

    public GuestConfig config() {
        return config;
    }

    public int vmid() {
        return config.vmid();
    }

    public List<Disk> disks() {
        return disks;
    }

    /// The claim, to publish NBD URIs and a control socket.
    public RunClaim claim() {
        return claim;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        closeAll(disks, new DirtyBitmaps(dc.root()), config.vmid(), claim);
    }

    /// Flushes and closes every disk (saving bitmaps when `bitmaps` is given), then the claim;
    /// throws the first failure after trying everything.
    private static void closeAll(List<Disk> disks, DirtyBitmaps bitmaps, int vmid, RunClaim claim) throws IOException {
        IOException first = null;
        for (Disk d : disks) {
            try {
                d.seat().close();
                d.image().flush();
                if (bitmaps != null) {
                    bitmaps.checkin(vmid, d.key(), d.bitmap());
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            } finally {
                try {
                    d.image().close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        try {
            claim.close();
        } catch (IOException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
