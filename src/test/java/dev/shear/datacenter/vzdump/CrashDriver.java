package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.archive.Restore;
import dev.shear.datacenter.archive.RestoreOutcome;
import dev.shear.datacenter.archive.TaskProgress;
import dev.shear.datacenter.run.OpenGuest;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/// The child JVM of the crash tests; the parent kills it somewhere on the way ([CrashHarness]).
///
/// * `CrashDriver backup <root> <vmid> <bwlimit B/s>`: opens guest `vmid` as a running guest,
///   keeps writing to its disks, and backs it up with fleecing on `fast` to `backup`, printing a
///   line at steps the parent may wait for (`copying <disk>`, `completed <disk>`);
/// * `CrashDriver restore <root> <archive> <vmid> <force>`: restores `archive` to guest `vmid`.
///
/// Both print `finished …` at the end.
public final class CrashDriver {
    private static final Set<String> COPYING = ConcurrentHashMap.newKeySet();

    private CrashDriver() {
    }

    public static void main(String[] args) throws Exception {
        Datacenter dc = Datacenter.open(Path.of(args[1]));
        if (args[0].equals("restore")) {
            RestoreOutcome o = new Restore(dc).start(args[2], Integer.parseInt(args[3]), null,
                    Boolean.parseBoolean(args[4]), TaskProgress.NONE).await();
            say("finished ok=" + o.ok() + (o.error() == null ? "" : " error=" + o.error()));
            return;
        }
        int vmid = Integer.parseInt(args[2]);
        long bwlimit = Long.parseLong(args[3]);
        try (OpenGuest guest = OpenGuest.open(dc, dc.guests().get(vmid), "run")) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().daemon().start(() -> write(guest, stop));
            BackupRequest request = BackupRequest.of(vmid, "backup").withFleecing(FleecingOption.parse("1,storage=fast"))
                    .withBwlimit(bwlimit);
            BackupOutcome o = new BackupService(dc).start(request, guest, CrashDriver::marker).await();
            stop.set(true);
            writer.join();
            say("finished ok=" + o.ok() + (o.error() == null ? "" : " error=" + o.error()));
        }
    }

    private static void marker(BackupEvent e) {
        switch (e) {
            case BackupEvent.Progress p when p.bytesDone() > 0 && COPYING.add(p.disk()) -> say("copying " + p.disk());
            case BackupEvent.StateChanged s when s.state() == JobState.COMPLETED -> say("completed " + s.disk());
            default -> {
                // other events mark no step
            }
        }
    }

    /// A guest at work: a 4 KiB write every 2 ms somewhere on its disks.
    private static void write(OpenGuest guest, AtomicBoolean stop) {
        Random r = new Random(42);
        byte[] block = new byte[4096];
        try {
            while (!stop.get()) {
                OpenGuest.Disk d = guest.disks().get(r.nextInt(guest.disks().size()));
                r.nextBytes(block);
                d.seat().write((long) r.nextInt((int) (d.disk().size() / 4096)) * 4096, block);
                Thread.sleep(2);
            }
        } catch (Exception e) {
            say("writer stopped: " + e);
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
