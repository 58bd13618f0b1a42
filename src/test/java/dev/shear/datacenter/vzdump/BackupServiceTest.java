package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.backup.BackupEvent;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.TaskState;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.ContentHash;
import dev.shear.datacenter.archive.Manifest;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.testing.Interop;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupServiceTest {
    @TempDir
    Path root;
    VzdumpFixture fx;
    BackupService service;

    @BeforeEach
    void setUp() throws Exception {
        fx = new VzdumpFixture(root);
        service = new BackupService(fx.dc);
    }

    private BackupOutcome backup(BackupRequest r) throws Exception {
        return service.start(r, null, e -> { }).await();
    }

    private Archive archive(BackupOutcome o) throws Exception {
        return new Archives(fx.dc).find(o.archive());
    }

    @Test
    void fullBackupIsAnArchiveQemuAgreesWith() throws Exception {
        List<byte[]> before = fx.contents(101);
        BackupOutcome o = backup(BackupRequest.of(101, "backup"));
        assertThat(o.ok()).as(o.error()).isTrue();
        Archive a = archive(o);
        assertThat(a.state()).isEqualTo(Archive.State.COMPLETE);
        Manifest m = a.requireManifest();
        assertThat(m.mode()).isEqualTo("full");
        assertThat(m.options().writeBehindBytes()).as("no write-behind without fleecing").isEqualTo(0L);
        assertThat(m.disks()).extracting(Manifest.DiskEntry::key).containsExactly("scsi0", "scsi1");
        for (int i = 0; i < 2; i++) {
            GuestDisk d = fx.guest(101).disks().get(i);
            Path disk = fx.dc.storages().get("local").pathOf(d.volume().name());
            Path image = a.image(m.disks().get(i).file());
            Interop.run("qemu-img", "check", image.toString()).ok();
            Interop.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", disk.toString(), image.toString()).ok();
            try (Qcow2Node n = Qcow2Node.open(image, false)) {
                assertThat(n.read(0, (int) n.size())).isEqualTo(before.get(i));
                assertThat(ContentHash.of(n, p -> { })).isEqualTo(m.disks().get(i).sha256());
            }
        }
        assertThat(fx.guest(101).lock()).isNull();
        assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.OK);
    }

    @Test
    void fleecingImagesAreRecordedWhileInUseAndGoneAfterwards() throws Exception {
        List<String> recordedDuring = new CopyOnWriteArrayList<>();
        List<Integer> clusters = new CopyOnWriteArrayList<>();
        BackupRun run = service.start(BackupRequest.of(101, "backup").withFleecing(FleecingOption.parse("enabled=1,storage=fast")),
                null, e -> {
                    if (e instanceof BackupEvent.StateChanged s && s.state() == dev.shear.backup.JobState.RUNNING) {
                        try {
                            for (var v : fx.guest(101).fleecing()) {
                                recordedDuring.add(v.toString());
                                var path = fx.dc.storages().get(v.storage()).pathOf(v.name());
                                try (var image = dev.shear.block.qcow2.Qcow2Node.open(path, false)) {
                                    clusters.add(image.clusterSize());
                                }
                            }
                        } catch (java.io.IOException ex) {
                            throw new java.io.UncheckedIOException(ex);
                        }
                    }
                });
        BackupOutcome o = run.await();
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(recordedDuring).contains("fast:vm-101-fleece-0.qcow2", "fast:vm-101-fleece-1.qcow2");
        assertThat(clusters).as("fleecing images get the fine copy-before-write granularity").isNotEmpty()
                .containsOnly(dev.shear.backup.FleecingGranularity.FINEST);
        assertThat(fx.guest(101).fleecing()).isEmpty();
        assertThat(fx.dc.storages().get("fast").volumes()).isEmpty();
        assertThat(archive(o).requireManifest().options().fleecingStorage()).isEqualTo("fast");
        assertThat(archive(o).requireManifest().options().writeBehindBytes()).as("recorded")
                .isEqualTo(dev.shear.backup.BackupOptions.DEFAULT_WRITE_BEHIND);
    }

    @Test
    void incrementalChainRestoresEachPointInTime() throws Exception {
        List<List<byte[]>> states = new ArrayList<>();
        List<Archive> chain = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            if (step > 0) {
                fx.write(101, step, 6);
            }
            states.add(fx.contents(101));
            BackupOutcome o = backup(BackupRequest.of(101, "backup").withIncremental(true));
            assertThat(o.ok()).as(o.error()).isTrue();
            assertThat(o.mode()).isEqualTo(step == 0 ? "full" : "incremental");
            chain.add(archive(o));
        }
        Manifest last = chain.get(2).requireManifest();
        assertThat(last.parent()).isEqualTo(chain.get(1).name().toString());
        assertThat(last.disks().get(0).copied()).as("only changed clusters copied")
                .isLessThan(last.disks().get(0).size() / 4);
        for (int step = 0; step < 3; step++) {
            Manifest m = chain.get(step).requireManifest();
            for (int i = 0; i < 2; i++) {
                try (Qcow2Node n = Qcow2Node.open(chain.get(step).image(m.disks().get(i).file()), false)) {
                    assertThat(n.read(0, (int) n.size())).as("step %d disk %d", step, i).isEqualTo(states.get(step).get(i));
                }
                Interop.run("qemu-img", "check", chain.get(step).image(m.disks().get(i).file()).toString()).ok();
            }
        }
    }

    @Test
    void incrementalWithoutAValidBitmapFallsBackToFullAndSaysSo() throws Exception {
        assertThat(backup(BackupRequest.of(100, "backup")).ok()).isTrue();
        // a process that had the disks open died: no bitmap was saved
        try (OpenGuest g = OpenGuest.open(fx.dc, fx.guest(100), "run")) {
            g.disks().get(0).bitmap().rebase(null);
        }
        List<String> lines = new CopyOnWriteArrayList<>();
        BackupOutcome o = service.start(BackupRequest.of(100, "backup").withIncremental(true), null,
                e -> {
                    if (e instanceof BackupEvent.Log l) {
                        lines.add(l.message());
                    }
                }).await();
        assertThat(o.ok()).isTrue();
        assertThat(o.mode()).isEqualTo("full");
        assertThat(lines).anyMatch(l -> l.contains("falling back to a full backup"));
    }

    @Test
    void aGuestLockedByALiveProcessIsRefusedAndAStaleLockIsCleared() throws Exception {
        fx.dc.guests().lock(100, GuestLock.BACKUP);
        assertThatThrownBy(() -> service.start(BackupRequest.of(100, "backup"), null, e -> { }))
                .isInstanceOf(GuestLockedException.class);
        fx.dc.guests().unlock(100, GuestLock.BACKUP);
        ProcessOwner dead = new ProcessOwner(ProcessOwner.current().host(), 999_999_999, 1, java.time.Instant.EPOCH);
        fx.dc.guests().update(100, c -> c.withLock(new GuestLock(GuestLock.BACKUP, dead)));
        BackupOutcome o = backup(BackupRequest.of(100, "backup"));
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(fx.guest(100).lock()).isNull();
    }

    @Test
    void aGuestLeftHalfRestoredByADeadProcessIsRefused() throws Exception {
        ProcessOwner dead = new ProcessOwner(ProcessOwner.current().host(), 999_999_999, 1, java.time.Instant.EPOCH);
        fx.dc.guests().update(100, c -> c.withLock(new GuestLock(GuestLock.RESTORE, dead)));
        assertThatThrownBy(() -> service.start(BackupRequest.of(100, "backup"), null, e -> { }))
                .hasMessageContaining("'restore' that died").hasMessageContaining("shear cleanup");
        assertThat(fx.guest(100).lock().kind()).isEqualTo(GuestLock.RESTORE);
        assertThat(new Archives(fx.dc).list()).isEmpty();
    }

    @Test
    void badRequestsChangeNothing() throws Exception {
        assertThatThrownBy(() -> service.start(BackupRequest.of(100, "local"), null, e -> { }))
                .hasMessageContaining("does not hold backups");
        assertThatThrownBy(() -> service.start(BackupRequest.of(100, "backup")
                .withFleecing(FleecingOption.parse("enabled=1,storage=backup")), null, e -> { }))
                .hasMessageContaining("does not hold images");
        assertThatThrownBy(() -> FleecingOption.parse("enabled=1"))
                .hasMessage("'storage' parameter is required when 'enabled' is set");
        assertThatThrownBy(() -> service.start(BackupRequest.of(999, "backup"), null, e -> { }))
                .isInstanceOf(dev.shear.datacenter.NotFoundException.class);
        assertThat(new Archives(fx.dc).list()).isEmpty();
        assertThat(fx.guest(100).lock()).isNull();
    }

    @Test
    void leftoverFleecingImagesOfAnEarlierRunAreRemovedFirst() throws Exception {
        FleecingImages f = new FleecingImages(fx.dc);
        try (var log = fx.dc.tasks().start("test", 100)) {
            var imgs = f.allocate(100, "fast", java.util.Map.of("scsi0", fx.guest(100).disks().get(0).size()), log);
            imgs.get(0).node().close();                 // a crashed run: recorded and on disk
            log.ok();
        }
        assertThat(fx.guest(100).fleecing()).hasSize(1);
        assertThat(fx.dc.storages().get("fast").volumes()).hasSize(1);
        BackupOutcome o = backup(BackupRequest.of(100, "backup"));
        assertThat(o.ok()).isTrue();
        assertThat(fx.guest(100).fleecing()).isEmpty();
        assertThat(fx.dc.storages().get("fast").volumes()).isEmpty();
        assertThat(fx.dc.tasks().read(o.task())).anyMatch(l -> l.contains("removing (old) fleecing image"));
    }

    @Test
    void cancelLeavesNoArchiveNoFleecingAndNoLock() throws Exception {
        BackupRun run = service.start(BackupRequest.of(101, "backup").withBwlimit(256 * 1024)
                .withFleecing(FleecingOption.parse("1,storage=fast")), null, e -> { });
        while (run.jobs().isEmpty() && !run.isDone()) {
            Thread.sleep(5);
        }
        run.cancel();
        BackupOutcome o = run.await();
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).contains("cancelled");
        assertThat(new Archives(fx.dc).list()).isEmpty();
        assertThat(fx.guest(101).fleecing()).isEmpty();
        assertThat(fx.guest(101).lock()).isNull();
        assertThat(fx.dc.storages().get("fast").volumes()).isEmpty();
        assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.ERROR);
        assertThat(VolumeKind.FLEECE).isNotNull();
    }
}
