package dev.shear.app.guest;

import dev.shear.datacenter.archive.ArchiveSummary;
import dev.shear.block.BlockNode;
import dev.shear.block.NativeFile;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.run.OpenGuest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/// Everything the guest view shows, read in one go off the UI thread: the configuration, where
/// the disks are open, and per disk its allocation (from the open disk when this app runs the
/// guest, else from its image opened read-only).
///
/// @param config the configuration
/// @param state  where the disks are open
/// @param disks   one row per disk
/// @param backups the guest's backup archives, newest first
public record GuestDetails(GuestConfig config, GuestState state, List<DiskRow> disks, List<ArchiveSummary> backups) {
    /// Buckets of the allocation map.
    public static final int BUCKETS = 48;

    /// Reads guest `vmid`.
    public static GuestDetails read(Datacenter dc, GuestStates states, GuestHost host, int vmid) throws IOException {
        GuestConfig c = dc.guests().get(vmid);
        GuestState st = states.of(vmid);
        Optional<GuestHost.Hosted> hosted = host.hosted(vmid);
        List<DiskRow> rows = new ArrayList<>();
        for (GuestDisk d : c.disks()) {
            Storage s = dc.storages().get(d.volume().storage());
            long allocated = -1;
            double[] map = null;
            try (NativeFile f = NativeFile.open(s.pathOf(d.volume().name()), false)) {
                allocated = f.allocatedBytes();
                map = allocation(s, d, hosted);
            } catch (IOException e) {
                System.getLogger(GuestDetails.class.getName()).log(System.Logger.Level.DEBUG,
                        "allocation of " + d.volume() + ": " + e.getMessage());
            }
            rows.add(new DiskRow(d.key(), d.bus().id(), d.size(), allocated, d.volume().name().format().id(),
                    d.volume().storage(), d.volume().toString(), map, st.exports().getOrDefault(d.key(), "")));
        }
        List<ArchiveSummary> backups = new ArrayList<>();
        for (Archive a : new Archives(dc).list(vmid)) {
            backups.add(ArchiveSummary.of(a));
        }
        backups.sort(java.util.Comparator.comparing(ArchiveSummary::time).reversed());
        return new GuestDetails(c, st, rows, backups);
    }

    private static double[] allocation(Storage s, GuestDisk d, Optional<GuestHost.Hosted> hosted) throws IOException {
        if (hosted.isPresent()) {
            for (OpenGuest.Disk od : hosted.get().open().disks()) {
                if (od.key().equals(d.key())) {
                    return AllocationSampler.sample(od.image(), BUCKETS);
                }
            }
        }
        try (BlockNode n = s.open(d.volume().name(), false)) {
            return AllocationSampler.sample(n, BUCKETS);
        }
    }
}
