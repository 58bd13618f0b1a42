package dev.shear.datacenter.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupService;
import dev.shear.datacenter.vzdump.VzdumpFixture;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/// The small demo datacenter (guests 100–102 with MiB-sized raw disks on `local`, `fast` for
/// images, `backup` for archives) with helpers to back up, write to guests and find files.
final class ArchiveFixture {
    final VzdumpFixture demo;
    final Datacenter dc;
    final Archives archives;

    ArchiveFixture(Path root) throws IOException {
        demo = new VzdumpFixture(root);
        dc = demo.dc;
        archives = new Archives(dc);
    }

    /// A backup of `vmid` to `backup` that must succeed.
    Archive backup(int vmid, boolean incremental) throws Exception {
        BackupOutcome o = new BackupService(dc).start(BackupRequest.of(vmid, "backup").withIncremental(incremental),
                null, e -> { }).await();
        assertThat(o.ok()).as("backup of %d: %s", vmid, o.error()).isTrue();
        return archives.find(o.archive());
    }

    /// Writes `blocks` random 4 KiB blocks through guest `vmid`'s disks, as a running guest would.
    void write(int vmid, long seed, int blocks) throws IOException {
        demo.write(vmid, seed, blocks);
    }

    /// The image files of guest `vmid`'s disks, in disk order.
    List<Path> disks(int vmid) throws IOException {
        List<Path> out = new ArrayList<>();
        for (GuestDisk d : dc.guests().get(vmid).disks()) {
            out.add(dc.storages().get(d.volume().storage()).pathOf(d.volume().name()));
        }
        return out;
    }

    /// Flips every bit of the byte at `offset` of `file`.
    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(~b & 0xff);
        }
    }
}
