package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.ImageFormat;
import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.TaskState;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.vzdump.StaleCleanup.Item;
import dev.shear.datacenter.vzdump.StaleCleanup.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleCleanupTest {
    @TempDir
    Path root;
    VzdumpFixture fx;
    StaleCleanup cleanup;
    Storage fast;

    @BeforeEach
    void setUp() throws Exception {
        fx = new VzdumpFixture(root);
        cleanup = new StaleCleanup(fx.dc);
        fast = fx.dc.storages().get("fast");
    }

    /// A fleecing image file on `fast` that nobody records, with some data in it.
    private Path orphan(int vmid, int index, ImageFormat format) throws Exception {
        VolumeName name = VolumeName.of(vmid, VolumeKind.FLEECE, index, format);
        fast.allocate(name, 1 << 20);
        try (var node = fast.open(name, true)) {
            node.write(0, new byte[65536]);
            node.write(0, new byte[] {1});
        }
        return fast.pathOf(name);
    }

    /// Records and creates fleecing images for each disk of guest `vmid`, as a backup does.
    private List<FleecingImages.Image> recordedImages(int vmid) throws Exception {
        try (TaskLog log = fx.dc.tasks().start("test", vmid)) {
            Map<String, Long> disks = new java.util.LinkedHashMap<>();
            fx.guest(vmid).disks().forEach(d -> disks.put(d.key(), d.size()));
            List<FleecingImages.Image> images = new FleecingImages(fx.dc).allocate(vmid, "fast", disks, log);
            for (FleecingImages.Image i : images) {
                i.node().close();
            }
            log.ok();
            return images;
        }
    }

    private static List<String> kinds(StaleCleanup.Plan plan) {
        return plan.items().stream().map(i -> i.kind() + " " + i.target()).toList();
    }

    @Test
    void orphanFleecingImagesAreFoundWithTheirSizeAndRemoved() throws Exception {
        Path lone = orphan(105, 0, ImageFormat.QCOW2);
        Path unrecorded = orphan(100, 3, ImageFormat.RAW);
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(kinds(plan)).containsExactly("ORPHAN_FLEECING_IMAGE fast:vm-100-fleece-3.raw",
                "ORPHAN_FLEECING_IMAGE fast:vm-105-fleece-0.qcow2");
        Item item = plan.items().get(1);
        assertThat(item.path()).isEqualTo(lone);
        assertThat(item.vmid()).isEqualTo(105);
        assertThat(item.why()).isEqualTo("no guest records it (guest 105 does not exist)");
        assertThat(plan.items().get(0).why()).isEqualTo("no guest records it (guest 100 does not)");
        assertThat(item.bytes()).isPositive();
        assertThat(plan.bytes()).isEqualTo(plan.items().get(0).bytes() + item.bytes());
        assertThat(lone).as("finding changes nothing").exists();

        StaleCleanup.Report r = cleanup.execute(plan);
        assertThat(r.removed()).hasSize(2);
        assertThat(r.freed()).isEqualTo(plan.bytes());
        assertThat(r.failures()).isEmpty();
        assertThat(lone).doesNotExist();
        assertThat(unrecorded).doesNotExist();
        assertThat(fx.dc.tasks().info(r.task()).state()).isEqualTo(TaskState.OK);
        assertThat(fx.dc.tasks().read(r.task())).anyMatch(l -> l.contains("removed orphan fleecing image fast:vm-105-fleece-0.qcow2"));
        assertThat(cleanup.find().items()).isEmpty();
    }

    @Test
    void imagesOfAGuestLockedByALiveProcessAndOpenFilesAreNotOffered() throws Exception {
        recordedImages(101);
        Path open = orphan(102, 0, ImageFormat.RAW);
        try (LiveProcess backup = LiveProcess.start(); LiveProcess reader = LiveProcess.holding(open)) {
            fx.dc.guests().update(101, c -> c.withLock(new GuestLock(GuestLock.BACKUP, ownerOf(backup))));
            StaleCleanup.Plan plan = cleanup.find();
            assertThat(plan.items()).isEmpty();
            assertThat(plan.notes()).anyMatch(n -> n.startsWith("guest 101: locked (backup by pid "))
                    .anyMatch(n -> n.equals("fleecing image fast:vm-102-fleece-0.raw: no guest records it, but a live"
                            + " process has it open"));
        }
        assertThat(fast.volumes()).hasSize(3);
    }

    private static dev.shear.datacenter.ProcessOwner ownerOf(LiveProcess p) {
        try {
            return p.owner();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDeadBackupsImagesArchiveAndLockAreRemovedAndNothingElse() throws Exception {
        BackupOutcome done = new BackupService(fx.dc).start(BackupRequest.of(100, "backup"), null, e -> { }).await();
        assertThat(done.ok()).as(done.error()).isTrue();
        Archive kept = new Archives(fx.dc).find(done.archive());
        List<byte[]> disks = fx.contents(101);
        List<FleecingImages.Image> images = recordedImages(101);
        Files.delete(fast.pathOf(images.get(1).volume().name()));           // allocated only in part
        Archive dead = new Archives(fx.dc).create(fx.dc.storages().get("backup"), 101, LocalDateTime.now());
        Files.delete(dead.dir().resolve("inprogress.json"));
        ConfigFiles.create(dead.dir().resolve("inprogress.json"), LiveProcess.dead());
        fx.dc.guests().update(101, c -> c.withLock(new GuestLock(GuestLock.BACKUP, LiveProcess.dead())));

        StaleCleanup.Plan plan = cleanup.find();
        assertThat(kinds(plan)).containsExactly(
                "RECORDED_FLEECING_IMAGE fast:vm-101-fleece-0.qcow2", "RECORDED_FLEECING_IMAGE fast:vm-101-fleece-1.qcow2",
                "INCOMPLETE_ARCHIVE " + dead.id(), "STALE_LOCK guest 101's backup lock");
        assertThat(plan.items().get(1).bytes()).as("a missing image frees nothing").isZero();
        assertThat(plan.items().getLast().why()).isEqualTo("held by " + LiveProcess.dead() + ", which is gone");

        StaleCleanup.Report r = cleanup.execute(plan);
        assertThat(r.failures()).isEmpty();
        assertThat(r.removed()).hasSize(4);
        assertThat(fx.guest(101).fleecing()).isEmpty();
        assertThat(fx.guest(101).lock()).isNull();
        assertThat(fast.volumes()).isEmpty();
        assertThat(new Archives(fx.dc).list()).extracting(Archive::id).containsExactly(kept.id());
        assertThat(kept.state()).isEqualTo(Archive.State.COMPLETE);
        assertThat(fx.contents(101)).as("the guest's disks are untouched").containsExactlyElementsOf(disks);
        assertThat(cleanup.find().items()).isEmpty();
    }

    @Test
    void aGuestWhoseCreationDiedIsDestroyed() throws Exception {
        fx.dc.guests().update(102, c -> c.withLock(new GuestLock(GuestLock.RESTORE, LiveProcess.dead())));
        VolumeId disk = fx.guest(102).disks().getFirst().volume();
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(kinds(plan)).containsExactly("UNFINISHED_GUEST guest 102");
        assertThat(plan.items().getFirst().why()).isEqualTo("its restore by " + LiveProcess.dead()
                + " did not finish; destroying it frees its volumes");
        assertThat(plan.bytes()).isPositive();
        cleanup.execute(plan);
        assertThat(fx.dc.guests().find(102)).isEmpty();
        assertThat(fx.dc.storages().get("local").exists(disk.name())).isFalse();
        assertThat(fx.dc.guests().find(101)).isPresent();
    }

    @Test
    void executeLeavesWhatIsNoLongerStale() throws Exception {
        Path img = orphan(100, 0, ImageFormat.QCOW2);
        Path gone = orphan(105, 0, ImageFormat.QCOW2);
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(plan.items()).hasSize(2);
        fx.dc.guests().lock(100, GuestLock.BACKUP);                    // a backup of guest 100 started meanwhile
        Files.delete(gone);
        StaleCleanup.Report r = cleanup.execute(plan);
        assertThat(r.removed()).isEmpty();
        assertThat(r.left()).containsExactly(
                "orphan fleecing image fast:vm-100-fleece-0.qcow2: guest 100 is locked now (backup by "
                        + dev.shear.datacenter.ProcessOwner.current() + ")",
                "orphan fleecing image fast:vm-105-fleece-0.qcow2: it is gone already");
        assertThat(img).exists();
    }
}
