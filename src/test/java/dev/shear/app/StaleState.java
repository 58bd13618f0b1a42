package dev.shear.app;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.VolumeName;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/// Writes what a backup with fleecing leaves when its process is killed (SIGKILL) midway: the
/// guest locked `backup` by a process that is gone, and a fleecing image recorded in its
/// configuration that exists on the fleecing storage, holding copied-out data.
final class StaleState {
    private StaleState() {
    }

    /// A process on this host that is not running: this process's pid with another start time
    /// (what a reused pid looks like after the owner died).
    static ProcessOwner deadProcess() {
        ProcessOwner me = ProcessOwner.current();
        return new ProcessOwner(me.host(), me.pid(), me.startTicks() + 1, Instant.now().minusSeconds(60));
    }

    /// Leaves a stale fleecing image of guest `vmid` on storage `storage` holding `dataBytes`;
    /// returns its path.
    static Path leave(Datacenter dc, int vmid, String storage, int dataBytes) throws IOException {
        Storage s = dc.storages().get(storage);
        VolumeName name = VolumeName.of(vmid, VolumeKind.FLEECE, 0, ImageFormat.QCOW2);
        VolumeId id = new VolumeId(storage, name);
        long size = dc.guests().get(vmid).disks().getFirst().size();
        dc.guests().update(vmid, c -> c.withLock(new GuestLock(GuestLock.BACKUP, deadProcess())).withFleecing(List.of(id)));
        s.allocate(name, size);
        byte[] data = new byte[dataBytes];
        new Random(vmid).nextBytes(data);
        try (BlockNode n = s.open(name, true)) {
            n.write(0, data);
            n.flush();
        }
        return s.pathOf(name);
    }
}
