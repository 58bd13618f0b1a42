package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestsTest {
    @TempDir
    Path tmp;
    Datacenter dc;
    Guests guests;
    Storage local;

    @BeforeEach
    void setUp() throws IOException {
        dc = Fixture.withLocalStorage(tmp);
        guests = dc.guests();
        local = dc.storages().get("local");
    }

    private static GuestSpec.DiskSpec disk(Bus bus, int index, ImageFormat format, long size) {
        return new GuestSpec.DiskSpec(bus, index, "local", format, size);
    }

    private GuestConfig createSimple(int vmid) throws IOException {
        return guests.create(new GuestSpec(vmid, "vm" + vmid, null, List.of(disk(Bus.SCSI, 0, null, 1 << 20))), null);
    }

    /// An owner that looks like this process but started at another time: provably gone.
    private static ProcessOwner deadOwner() {
        ProcessOwner me = ProcessOwner.current();
        return new ProcessOwner(me.host(), me.pid(), me.startTicks() + 1, Instant.parse("2020-01-01T00:00:00Z"));
    }

    private static Object inode(Path f) throws IOException {
        return Files.getAttribute(f, "unix:ino");
    }

    @Test
    void createAllocatesEachDiskFillsItAndUnlocks() throws IOException {
        List<String> filled = new ArrayList<>();
        GuestConfig c = guests.create(new GuestSpec(100, "web-1", "the web server", List.of(
                disk(Bus.SCSI, 0, ImageFormat.RAW, 3 << 20),
                disk(Bus.VIRTIO, 1, ImageFormat.QCOW2, 2 << 20),
                disk(Bus.SATA, 0, null, 4096))), (d, node) -> {
                    filled.add(d.key());
                    node.write(0, d.key().getBytes());
                });
        assertThat(c.lock()).isNull();
        assertThat(c.description()).isEqualTo("the web server");
        assertThat(c.disks()).extracting(d -> d.key() + "=" + d.volume() + "/" + d.size()).containsExactly(
                "scsi0=local:vm-100-disk-0.raw/3145728", "virtio1=local:vm-100-disk-1.qcow2/2097152",
                "sata0=local:vm-100-disk-2.raw/4096");
        assertThat(filled).containsExactly("scsi0", "virtio1", "sata0");
        assertThat(guests.get(100)).isEqualTo(c);
        try (BlockNode n = local.open(VolumeName.parse("vm-100-disk-1.qcow2"), false)) {
            assertThat(n.size()).isEqualTo(2 << 20);
            assertThat(new String(n.read(0, 7))).isEqualTo("virtio1");
        }
    }

    @Test
    void createRefusesAnExistingGuestAndChangesNothing() throws IOException {
        createSimple(100);
        byte[] before = Files.readAllBytes(dc.root().guestFile(100));
        assertThatThrownBy(() -> createSimple(100)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("guest 100 already exists");
        assertThat(Files.readAllBytes(dc.root().guestFile(100))).isEqualTo(before);
        assertThat(local.volumes()).extracting(v -> v.id().toString()).containsExactly("local:vm-100-disk-0.raw");
    }

    @Test
    void createWithAnUnknownStorageOrBadDiskLeavesNothing() throws IOException {
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "a", null,
                List.of(new GuestSpec.DiskSpec(Bus.SCSI, 0, "nope", null, 4096))), null))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("disk scsi0 of guest 100: storage 'nope' does not exist");
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "a", null,
                List.of(disk(Bus.SCSI, 0, null, 4096), disk(Bus.SCSI, 0, null, 4096))), null))
                .hasMessageContaining("disk scsi0 is listed twice");
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "a", null, List.of(disk(Bus.IDE, 4, null, 4096))), null))
                .hasMessageContaining("disk index 4 is outside 0…3 for bus ide");
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "a", null,
                List.of(disk(Bus.SCSI, 0, ImageFormat.QCOW2, 1000))), null)).hasMessageContaining("multiple of 512");
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "bad name", null, List.of()), null))
                .hasMessageContaining("invalid guest name 'bad name'");
        assertThat(dc.root().guestFile(100)).doesNotExist();
        assertThat(local.volumes()).isEmpty();
    }

    @Test
    void aFailingFillerRollsTheWholeCreationBack() throws IOException {
        assertThatThrownBy(() -> guests.create(new GuestSpec(100, "a", null,
                List.of(disk(Bus.SCSI, 0, null, 4096), disk(Bus.SCSI, 1, null, 4096))), (d, node) -> {
                    if (d.index() == 1) {
                        throw new IOException("sample data source broke");
                    }
                })).hasMessage("sample data source broke");
        assertThat(dc.root().guestFile(100)).doesNotExist();
        assertThat(local.volumes()).isEmpty();
        createSimple(100);
    }

    @Test
    void listIsSortedAndReportsUnreadableGuestsSeparately() throws IOException {
        createSimple(300);
        createSimple(100);
        createSimple(200);
        Path broken = Files.writeString(dc.root().guestFile(150), "{\"schema\": 1, \"vmid\": 150}");
        Path misnamed = dc.root().guestFile(400);
        Files.copy(dc.root().guestFile(100), misnamed);
        Files.writeString(dc.root().guestsDir().resolve(".200.json.tmp-1-1"), "a temporary file of a crashed write");
        Listing<GuestConfig> all = guests.list();
        assertThat(all.items()).extracting(GuestConfig::vmid).containsExactly(100, 200, 300);
        assertThat(all.broken()).extracting(ConfigException::path).containsExactlyInAnyOrder(broken, misnamed);
        assertThat(all.broken()).extracting(ConfigException::problem)
                .contains("field 'name': missing required field", "it configures guest 100 but is named 400.json");
    }

    @Test
    void getNamesMissingAndCorruptGuests() throws IOException {
        assertThatThrownBy(() -> guests.get(100)).isInstanceOf(NotFoundException.class).hasMessage("guest 100 does not exist");
        assertThat(guests.find(100)).isEmpty();
        Path f = Files.writeString(dc.root().guestFile(100), "not json");
        assertThatThrownBy(() -> guests.get(100)).isInstanceOf(ConfigException.class).hasMessageStartingWith(f + ": not valid JSON");
        assertThatThrownBy(() -> guests.get(42)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("guest id 42");
    }

    @Test
    void updateChangesAtomicallyAndWritesNothingWhenNothingChanges() throws IOException {
        createSimple(100);
        Path f = dc.root().guestFile(100);
        Object before = inode(f);
        assertThat(guests.update(100, c -> c)).isEqualTo(guests.get(100));
        assertThat(inode(f)).as("an unchanged config is not rewritten").isEqualTo(before);
        assertThat(guests.update(100, c -> c.withDescription("new")).description()).isEqualTo("new");
        assertThat(inode(f)).isNotEqualTo(before);
        assertThat(guests.get(100).description()).isEqualTo("new");
        assertThatThrownBy(() -> guests.update(100, c -> GuestConfig.of(101, "x", List.of())))
                .hasMessageContaining("must return guest 100's configuration, got guest 101");
        assertThatThrownBy(() -> guests.update(100, c -> {
            throw new IOException("changed my mind");
        })).hasMessage("changed my mind");
        assertThat(guests.get(100).description()).isEqualTo("new");
    }

    @Test
    void anUpdateCannotReferenceAStorageThatDoesNotExist() throws IOException {
        createSimple(100);
        byte[] before = Files.readAllBytes(dc.root().guestFile(100));
        assertThatThrownBy(() -> guests.update(100, c -> c.withFleecing(List.of(VolumeId.parse("fast:vm-100-fleece-0.raw")))))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("guest 100 cannot use storage 'fast': it does not exist");
        assertThat(Files.readAllBytes(dc.root().guestFile(100))).isEqualTo(before);
    }

    @Test
    void aCorruptConfigIsNeverOverwritten() throws IOException {
        createSimple(100);
        Path f = dc.root().guestFile(100);
        String corrupt = Files.readString(f).replace("\"schema\" : 1", "\"schema\" : 7");
        Files.writeString(f, corrupt);
        assertThatThrownBy(() -> guests.update(100, c -> c.withDescription("x"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("newer Shear (schema 7)");
        assertThatThrownBy(() -> guests.lock(100, GuestLock.BACKUP)).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> guests.destroy(100)).isInstanceOf(ConfigException.class);
        assertThat(Files.readString(f)).isEqualTo(corrupt);
        assertThat(local.exists(VolumeName.parse("vm-100-disk-0.raw"))).isTrue();
    }

    @Test
    void aLockedGuestCannotBeLockedAgainAndOnlyItsOwnerUnlocksIt() throws IOException {
        createSimple(100);
        GuestConfig locked = guests.lock(100, GuestLock.BACKUP);
        assertThat(locked.lock().kind()).isEqualTo("backup");
        assertThat(locked.lock().owner().isSameProcess(ProcessOwner.current())).isTrue();
        assertThatThrownBy(() -> guests.lock(100, GuestLock.RESTORE)).isInstanceOf(GuestLockedException.class)
                .hasMessageStartingWith("guest 100 is locked (backup by pid " + ProcessHandle.current().pid())
                .hasMessageEndingWith("try again when that operation is done")
                .satisfies(e -> assertThat(((GuestLockedException) e).ownerAlive()).isTrue());
        assertThatThrownBy(() -> guests.unlock(100, GuestLock.RESTORE)).hasMessageContaining("not this process's restore lock");
        assertThatThrownBy(() -> guests.clearStaleLock(100)).isInstanceOf(GuestLockedException.class);
        assertThat(guests.unlock(100, GuestLock.BACKUP).lock()).isNull();
        assertThatThrownBy(() -> guests.unlock(100, GuestLock.BACKUP)).hasMessageContaining("guest 100 is not locked");
    }

    @Test
    void aLockLeftByACrashedProcessIsReportedAsStaleAndCanBeCleared() throws IOException {
        createSimple(100);
        guests.update(100, c -> c.withLock(new GuestLock(GuestLock.BACKUP, deadOwner())));
        assertThatThrownBy(() -> guests.lock(100, GuestLock.BACKUP)).isInstanceOf(GuestLockedException.class)
                .hasMessageContaining("but that process is gone").hasMessageContaining("run a cleanup of guest 100")
                .satisfies(e -> assertThat(((GuestLockedException) e).ownerAlive()).isFalse());
        assertThatThrownBy(() -> guests.unlock(100, GuestLock.BACKUP)).as("not ours").hasMessageContaining("not this process's");
        assertThat(guests.clearStaleLock(100).lock()).isNull();
        assertThat(guests.clearStaleLock(100).lock()).isNull();
    }

    @Test
    void destroyFreesDisksFleecingImagesLeftoversAndBitmapsAndRemovesTheConfigLast() throws IOException {
        Path fastDir = Files.createDirectories(tmp.resolve("fast"));
        dc.storages().add(StorageConfig.dir("fast", fastDir, Set.of(Content.IMAGES)));
        Storage fast = dc.storages().get("fast");
        guests.create(new GuestSpec(100, "a", null, List.of(disk(Bus.SCSI, 0, null, 4096), disk(Bus.SCSI, 1, null, 4096))), null);
        createSimple(200);
        VolumeName fleece = VolumeName.parse("vm-100-fleece-0.qcow2");
        guests.update(100, c -> c.withFleecing(List.of(new VolumeId("fast", fleece))));
        fast.allocate(fleece, 65536);
        fast.allocate(VolumeName.parse("vm-100-fleece-1.raw"), 4096);
        local.allocate(VolumeName.parse("vm-100-disk-7.raw"), 4096);
        Path bitmaps = Files.createDirectories(dc.root().bitmapDir(100));
        Files.writeString(bitmaps.resolve("scsi0.bitmap"), "x");

        guests.destroy(100);

        assertThat(dc.root().guestFile(100)).doesNotExist();
        assertThat(guests.find(100)).isEmpty();
        assertThat(fast.volumes()).isEmpty();
        assertThat(local.volumes()).extracting(v -> v.id().toString()).containsExactly("local:vm-200-disk-0.raw");
        assertThat(bitmaps).doesNotExist();
        assertThatThrownBy(() -> guests.destroy(100)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void destroyIsRefusedWhileALiveProcessHoldsTheGuest() throws IOException {
        createSimple(100);
        guests.lock(100, GuestLock.BACKUP);
        assertThatThrownBy(() -> guests.destroy(100)).isInstanceOf(GuestLockedException.class)
                .hasMessageContaining("guest 100 is locked (backup by pid");
        assertThat(local.exists(VolumeName.parse("vm-100-disk-0.raw"))).isTrue();
        assertThat(guests.get(100).lock().kind()).isEqualTo("backup");
    }

    @Test
    void destroyGoesAheadOverAStaleLock() throws IOException {
        createSimple(100);
        guests.update(100, c -> c.withLock(new GuestLock(GuestLock.BACKUP, deadOwner())));
        guests.destroy(100);
        assertThat(guests.find(100)).isEmpty();
        assertThat(local.volumes()).isEmpty();
    }

    @Test
    void aDestroyInterruptedByACrashIsFinishedByTheNextOne() throws IOException {
        guests.create(new GuestSpec(100, "a", null, List.of(disk(Bus.SCSI, 0, null, 4096), disk(Bus.SCSI, 1, null, 4096))), null);
        // the crashed destroy had marked the guest and freed the first disk
        guests.update(100, c -> c.withLock(new GuestLock(GuestLock.DESTROY, deadOwner())));
        local.free(VolumeName.parse("vm-100-disk-0.raw"));
        guests.destroy(100);
        assertThat(guests.find(100)).isEmpty();
        assertThat(local.volumes()).isEmpty();
    }

    @Test
    void aCreateInterruptedByACrashIsCleanedUpByDestroy() throws IOException {
        // the crashed create had written its config (all disks, create lock) and allocated one disk
        GuestConfig planned = new GuestConfig(100, "a", "", List.of(
                new GuestDisk(Bus.SCSI, 0, VolumeId.parse("local:vm-100-disk-0.raw"), 4096),
                new GuestDisk(Bus.SCSI, 1, VolumeId.parse("local:vm-100-disk-1.raw"), 4096)),
                new GuestLock(GuestLock.CREATE, deadOwner()), List.of());
        ConfigFiles.create(dc.root().guestFile(100), planned);
        local.allocate(VolumeName.parse("vm-100-disk-0.raw"), 4096);
        guests.destroy(100);
        assertThat(guests.find(100)).isEmpty();
        assertThat(local.volumes()).isEmpty();
    }

    @Test
    void aVolumeThatCannotBeFreedKeepsTheGuestWithItsLockAndNamesTheVolume() throws IOException {
        createSimple(100);
        GuestLock stale = new GuestLock(GuestLock.BACKUP, deadOwner());
        // a hand-edited config may name a storage that was removed by hand
        GuestConfig edited = guests.get(100).withLock(stale)
                .withFleecing(List.of(VolumeId.parse("gone:vm-100-fleece-0.raw")));
        Files.write(dc.root().guestFile(100), ConfigFiles.serialize(edited));

        assertThatThrownBy(() -> guests.destroy(100))
                .hasMessageContaining("could not destroy guest 100: cannot free gone:vm-100-fleece-0.raw: storage 'gone' does not exist")
                .hasMessageContaining("The guest is kept; fix this and destroy it again");

        GuestConfig after = guests.get(100);
        assertThat(after.lock()).isEqualTo(stale);
        assertThat(after.fleecing()).hasSize(1);
        assertThat(local.volumes()).as("what could be freed was freed").isEmpty();
    }
}
