package dev.shear.datacenter.vzdump;

import dev.shear.block.BlockNode;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.demo.Demo;
import dev.shear.datacenter.run.OpenGuest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/// A small demo datacenter (MiB-sized disks) for backup tests, with helpers to write to guests
/// and read their disks.
public final class VzdumpFixture {
    public final Datacenter dc;

    public VzdumpFixture(Path root) throws IOException {
        dc = Datacenter.open(root);
        Demo.create(dc, Demo.Size.SMALL, line -> { });
    }

    public GuestConfig guest(int vmid) throws IOException {
        return dc.guests().get(vmid);
    }

    /// Opens the guest as a running guest would and writes random 4 KiB blocks through its disks.
    public void write(int vmid, long seed, int blocks) throws IOException {
        try (OpenGuest g = OpenGuest.open(dc, guest(vmid), "run")) {
            Random r = new Random(seed);
            for (int i = 0; i < blocks; i++) {
                OpenGuest.Disk d = g.disks().get(r.nextInt(g.disks().size()));
                byte[] b = new byte[4096];
                r.nextBytes(b);
                d.seat().write((long) r.nextInt((int) (d.disk().size() / 4096)) * 4096, b);
            }
        }
    }

    /// The current content of each disk of the guest.
    public List<byte[]> contents(int vmid) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (GuestDisk d : guest(vmid).disks()) {
            try (BlockNode n = dc.storages().get(d.volume().storage()).open(d.volume().name(), false)) {
                out.add(n.read(0, (int) n.size()));
            }
        }
        return out;
    }
}
