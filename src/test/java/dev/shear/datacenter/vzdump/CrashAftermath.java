package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/// What a crash of guest `vmid`'s backup may and may not leave, checked on disk: hashes of the
/// files that must not change, and the checks that nothing leaked.
final class CrashAftermath {
    private final VzdumpFixture fx;
    private final int vmid;
    private Map<Path, String> others;
    private Map<Path, String> survivors;

    CrashAftermath(VzdumpFixture fx, int vmid) {
        this.fx = fx;
        this.vmid = vmid;
    }

    /// The scene of the backup crash tests: a demo datacenter in `root` with a complete backup of
    /// guest 100, whose fleecing backup of guest 101 (written to meanwhile) was killed at `step`.
    static CrashAftermath ofBackupCrash(Path root, CrashHarness.Step step) throws Exception {
        VzdumpFixture fx = new VzdumpFixture(root);
        BackupOutcome o = new BackupService(fx.dc).start(BackupRequest.of(100, "backup"), null, e -> { }).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        CrashAftermath aftermath = new CrashAftermath(fx, 101);
        aftermath.before();
        CrashHarness.crashAt(root, 101, step);
        aftermath.afterCrash();
        return aftermath;
    }

    VzdumpFixture fixture() {
        return fx;
    }

    /// Before the child runs: the other guests' disks and every archive.
    void before() throws Exception {
        List<Path> files = new ArrayList<>(disks(false));
        files.addAll(completeArchiveFiles());
        others = hashes(files);
        assertThat(others).isNotEmpty();
    }

    /// Right after the crash: every guest disk (the crashed guest's too, as its writes left it)
    /// and every complete archive.
    void afterCrash() throws Exception {
        List<Path> files = new ArrayList<>(disks(true));
        files.addAll(completeArchiveFiles());
        survivors = hashes(files);
    }

    /// No fleecing image on any storage, none recorded, no lock, no unfinished archive, and a
    /// new search finds nothing.
    void assertNothingLeaked() throws Exception {
        for (String storage : List.of("local", "fast")) {
            try (Stream<Path> s = Files.walk(fx.dc.storages().get(storage).config().path())) {
                assertThat(s.map(p -> p.getFileName().toString())).as("files on %s", storage)
                        .noneMatch(n -> n.matches("vm-[0-9]+-fleece-.*"));
            }
        }
        for (GuestConfig g : fx.dc.guests().list().items()) {
            assertThat(g.fleecing()).as("guest %d's fleecing record", g.vmid()).isEmpty();
            assertThat(g.lock()).as("guest %d's lock", g.vmid()).isNull();
        }
        for (Archive a : new Archives(fx.dc).list()) {
            assertThat(a.state()).as(a.id()).isEqualTo(Archive.State.COMPLETE);
        }
        assertThat(new StaleCleanup(fx.dc).find().items()).isEmpty();
    }

    /// Every file hashed before (and, if [#afterCrash()] ran, after) the crash is there with the
    /// same content.
    void assertUntouched() throws Exception {
        assertThat(hashes(List.copyOf(others.keySet()))).as("other guests and earlier backups").isEqualTo(others);
        if (survivors != null) {
            assertThat(hashes(List.copyOf(survivors.keySet()))).as("guest disks and complete backups after the crash")
                    .isEqualTo(survivors);
        }
    }

    private List<Path> disks(boolean includingCrashed) throws IOException {
        List<Path> out = new ArrayList<>();
        for (GuestConfig g : fx.dc.guests().list().items()) {
            if (includingCrashed || g.vmid() != vmid) {
                for (GuestDisk d : g.disks()) {
                    out.add(fx.dc.storages().get(d.volume().storage()).pathOf(d.volume().name()));
                }
            }
        }
        return out;
    }

    private List<Path> completeArchiveFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Archive a : new Archives(fx.dc).list()) {
            if (a.state() == Archive.State.COMPLETE) {
                try (Stream<Path> s = Files.list(a.dir())) {
                    s.filter(p -> !p.getFileName().toString().equals("verify.json")).forEach(out::add);
                }
            }
        }
        return out;
    }

    private static Map<Path, String> hashes(List<Path> files) throws Exception {
        Map<Path, String> out = new TreeMap<>();
        for (Path f : files) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            out.put(f, Files.exists(f) ? HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))) : "missing");
        }
        return out;
    }
}
