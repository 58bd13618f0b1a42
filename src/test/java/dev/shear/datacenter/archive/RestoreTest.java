package dev.shear.datacenter.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.TaskState;
import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.run.GuestBusyException;
import dev.shear.datacenter.run.OpenGuest;
import dev.shear.testing.Interop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreTest {
    @TempDir
    Path root;
    ArchiveFixture fx;
    Restore restore;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ArchiveFixture(root);
        restore = new Restore(fx.dc);
    }

    private RestoreOutcome restore(String archive, int vmid, String storage, boolean force) throws Exception {
        return restore.start(archive, vmid, storage, force, TaskProgress.NONE).await();
    }

    /// Every volume of guest `vmid` on every image storage.
    private List<VolumeInfo> volumesOf(int vmid) throws Exception {
        List<VolumeInfo> out = new java.util.ArrayList<>();
        for (String s : List.of("local", "fast")) {
            fx.dc.storages().get(s).volumes().stream().filter(v -> v.id().name().vmid() == vmid).forEach(out::add);
        }
        return out;
    }

    @Test
    void aRestoredGuestIsIdenticalToTheBackedUpOneAsQemuImgSees() throws Exception {
        Archive a = fx.backup(101, false);
        AtomicLong last = new AtomicLong();
        AtomicLong total = new AtomicLong();
        RestoreOutcome o = restore.start(a.id(), 201, null, false, (done, t) -> {
            last.set(done);
            total.set(t);
        }).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        GuestConfig g = fx.dc.guests().get(201);
        GuestConfig source = fx.dc.guests().get(101);
        assertThat(g.name()).isEqualTo(source.name());
        assertThat(g.lock()).isNull();
        assertThat(g.disks()).extracting(d -> d.key() + "=" + d.size() + "@" + d.volume().storage())
                .containsExactlyElementsOf(source.disks().stream().map(d -> d.key() + "=" + d.size() + "@local").toList());
        List<Path> restored = fx.disks(201);
        List<Path> original = fx.disks(101);
        for (int i = 0; i < 2; i++) {
            Interop.Result r = Interop.run("qemu-img", "compare", "-f", "raw", "-F", "raw", original.get(i).toString(),
                    restored.get(i).toString()).ok();
            assertThat(r.stdout()).contains("Images are identical");
        }
        assertThat(total.get()).isEqualTo(6L << 20);
        assertThat(last.get()).isEqualTo(total.get());
        assertThat(o.written()).as("only data runs are written").isPositive().isLessThan(6L << 20);
        assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.OK);
        assertThat(fx.dc.tasks().read(o.task())).anyMatch(l -> l.contains("disk scsi1:") && l.contains("matches"));
    }

    @Test
    void disksGoToTheGivenStorageInItsDefaultFormat() throws Exception {
        Path dir = Files.createDirectories(root.resolve("q"));
        fx.dc.storages().add(StorageConfig.dir("q", dir, EnumSet.of(Content.IMAGES))
                .withFormats(EnumSet.of(ImageFormat.RAW, ImageFormat.QCOW2), ImageFormat.QCOW2));
        Archive a = fx.backup(100, false);
        RestoreOutcome o = restore(a.id(), 300, "q", false);
        assertThat(o.ok()).as(o.error()).isTrue();
        GuestConfig g = fx.dc.guests().get(300);
        assertThat(g.disks().getFirst().volume().toString()).isEqualTo("q:vm-300-disk-0.qcow2");
        Path img = fx.disks(300).getFirst();
        Interop.run("qemu-img", "check", img.toString()).ok();
        Interop.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", fx.disks(100).getFirst().toString(),
                img.toString()).ok();
    }

    @Test
    void anExistingGuestIsRefusedWithoutForceAndReplacedWithIt() throws Exception {
        Archive a = fx.backup(100, false);
        byte[] backedUp = Files.readAllBytes(fx.disks(100).getFirst());
        fx.write(100, 7, 20);
        byte[] changed = Files.readAllBytes(fx.disks(100).getFirst());
        assertThat(changed).isNotEqualTo(backedUp);
        assertThatThrownBy(() -> restore(a.id(), 100, null, false)).isInstanceOf(IllegalStateException.class)
                .hasMessage("guest 100 exists; pass --force to replace it (its disks are destroyed first) or restore"
                        + " to a new guest id");
        assertThat(Files.readAllBytes(fx.disks(100).getFirst())).as("nothing changed").isEqualTo(changed);
        RestoreOutcome o = restore(a.id(), 100, null, true);
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(Files.readAllBytes(fx.disks(100).getFirst())).isEqualTo(backedUp);
        assertThat(fx.dc.tasks().read(o.task())).anyMatch(l -> l.endsWith("guest 100 exists: destroying it first (--force)"));
    }

    @Test
    void forceIsRefusedWhileTheGuestIsOpenOrLockedByALiveProcess() throws Exception {
        Archive a = fx.backup(100, false);
        try (OpenGuest open = OpenGuest.open(fx.dc, fx.dc.guests().get(100), "run")) {
            assertThatThrownBy(() -> restore(a.id(), 100, null, true)).isInstanceOf(GuestBusyException.class)
                    .hasMessageContaining("guest 100 is already open (run)");
        }
        fx.dc.guests().lock(100, GuestLock.BACKUP);
        assertThatThrownBy(() -> restore(a.id(), 100, null, true)).isInstanceOf(GuestLockedException.class)
                .hasMessageContaining("guest 100 is locked (backup by pid " + ProcessHandle.current().pid());
        assertThat(fx.dc.tasks().list()).noneMatch(t -> t.id().type().equals("restore"));
        assertThat(fx.dc.guests().get(100).lock().kind()).isEqualTo(GuestLock.BACKUP);
    }

    @Test
    void anIncompleteOrUnfinishedBackupIsRefused() throws Exception {
        Archive writing = fx.archives.create(fx.dc.storages().get("backup"), 100, java.time.LocalDateTime.now());
        assertThatThrownBy(() -> restore(writing.id(), 400, null, false)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("backup " + writing.id() + " is still being written (by pid "
                        + ProcessHandle.current().pid());
        Files.delete(writing.dir().resolve("inprogress.json"));
        assertThatThrownBy(() -> restore(writing.id(), 400, null, false)).isInstanceOf(IllegalStateException.class)
                .hasMessage("backup " + writing.id() + " is incomplete (it has no manifest: the backup did not finish),"
                        + " so it cannot be restored; 'shear cleanup' or 'shear prune' removes it");
        assertThat(fx.dc.guests().find(400)).isEmpty();
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingChanges() throws Exception {
        Archive a = fx.backup(100, false);
        assertThatThrownBy(() -> restore("vzdump-qemu-100", 400, null, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not name a backup: use <storage>:<archive>");
        assertThatThrownBy(() -> restore("backup:vzdump-qemu-100-2020_01_01-00_00_00", 400, null, false))
                .isInstanceOf(NotFoundException.class).hasMessage("there is no backup backup:vzdump-qemu-100-2020_01_01-00_00_00");
        assertThatThrownBy(() -> restore(a.id(), 99, null, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("guest id 99 is outside 100…999999999");
        assertThatThrownBy(() -> restore(a.id(), 400, "backup", false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("storage 'backup' does not hold images (content: [backup]); choose an image storage");
        assertThatThrownBy(() -> restore(a.id(), 400, "nope", false)).isInstanceOf(NotFoundException.class)
                .hasMessage("storage 'nope' does not exist");
        assertThat(fx.dc.guests().find(400)).isEmpty();
        assertThat(fx.dc.tasks().list()).noneMatch(t -> t.id().type().equals("restore"));
    }

    @Test
    void aTamperedImageFailsTheRestoreAndLeavesNoGuest() throws Exception {
        Archive a = fx.backup(101, false);
        Path image = a.image("scsi1.qcow2");
        ArchiveFixture.flipByte(image, firstDataOffset(image) + 1000);
        RestoreOutcome o = restore(a.id(), 401, null, false);
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).startsWith("disk scsi1: the content read from backup " + a.id()
                + " does not match its checksum (sha256 ").endsWith("): the backup is damaged");
        assertThat(fx.dc.guests().find(401)).isEmpty();
        assertThat(volumesOf(401)).isEmpty();
        assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.ERROR);
        assertThat(fx.dc.tasks().read(o.task())).anyMatch(l -> l.contains("nothing is left of guest 401"));

        VerifyOutcome v = new Verify(fx.dc).start(a.id(), TaskProgress.NONE).await();
        assertThat(v.ok()).isFalse();
        assertThat(v.error()).startsWith("disk scsi1 (" + image + ") does not match its checksum: sha256 ");
        assertThat(a.verification()).hasValueSatisfying(x -> assertThat(x.ok()).isFalse());
    }

    /// The host offset of the first data cluster of a qcow2 image itself (not of its backing file),
    /// as `qemu-img map` reports it.
    static long firstDataOffset(Path image) throws Exception {
        JsonNode map = new ObjectMapper().readTree(Interop.run("qemu-img", "map", "--output=json", "-f", "qcow2",
                image.toString()).ok().stdout());
        for (JsonNode e : map) {
            if (e.get("data").asBoolean() && e.get("depth").asInt() == 0 && e.has("offset")
                    && e.get("length").asLong() > 4096) {
                return e.get("offset").asLong();
            }
        }
        throw new AssertionError("no data cluster in " + image + ": " + map);
    }

    @Test
    void aCancelledRestoreLeavesNoGuest() throws Exception {
        Archive a = fx.backup(101, false);
        CountDownLatch copying = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicReference<String> lockDuringCopy = new AtomicReference<>();
        TaskRun<RestoreOutcome> run = restore.start(a.id(), 402, null, false, (done, total) -> {
            try {
                if (copying.getCount() > 0) {
                    lockDuringCopy.set(fx.dc.guests().get(402).lock().kind());
                    copying.countDown();
                    cancelled.await();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        copying.await();
        run.cancel();
        cancelled.countDown();
        RestoreOutcome o = run.await();
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).isEqualTo("restore cancelled");
        assertThat(lockDuringCopy.get()).as("the guest carries a restore lock while written").isEqualTo("restore");
        assertThat(fx.dc.guests().find(402)).isEmpty();
        assertThat(volumesOf(402)).isEmpty();
    }

    @Test
    void anIncrementalWhoseParentIsGoneFailsNamingIt() throws Exception {
        Archive full = fx.backup(100, true);
        fx.write(100, 3, 4);
        Archive inc = fx.backup(100, true);
        assertThat(inc.requireManifest().mode()).isEqualTo("incremental");
        fx.archives.remove(full);
        RestoreOutcome o = restore(inc.id(), 403, null, false);
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).isEqualTo("backup " + inc.id() + " is incremental on top of " + full.id()
                + ", which is missing (was it pruned or deleted?)");
        assertThat(fx.dc.guests().find(403)).isEmpty();
        VerifyOutcome v = new Verify(fx.dc).start(inc.id(), TaskProgress.NONE).await();
        assertThat(v.error()).isEqualTo(o.error());
    }
}
