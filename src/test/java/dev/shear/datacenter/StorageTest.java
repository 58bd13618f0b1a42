package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageTest {
    @TempDir
    Path tmp;
    Path dir;
    Storage storage;

    private static VolumeName name(String n) {
        return VolumeName.parse(n);
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectories(tmp.resolve("local"));
        storage = new Storage(StorageConfig.dir("local", dir, EnumSet.of(Content.IMAGES, Content.BACKUP)));
    }

    @Test
    void volumesLiveInTheirGuestsDirectory() throws IOException {
        assertThat(storage.pathOf(name("vm-100-disk-0.raw"))).isEqualTo(dir.resolve("images/100/vm-100-disk-0.raw"));
        assertThat(storage.pathOf(name("vm-7777-fleece-3.qcow2"))).isEqualTo(dir.resolve("images/7777/vm-7777-fleece-3.qcow2"));
        assertThat(storage.backupDirectory()).isEqualTo(dir.resolve("dump"));
    }

    @Test
    void aVolumeFileLinkedOutsideTheStorageIsRefusedByEveryOperation() throws IOException {
        Path outside = Files.writeString(tmp.resolve("precious"), "do not touch");
        Path link = Files.createDirectories(dir.resolve("images/100")).resolve("vm-100-disk-0.raw");
        Files.createSymbolicLink(link, outside);
        VolumeName n = name("vm-100-disk-0.raw");
        assertThatThrownBy(() -> storage.pathOf(n)).hasMessageContaining("resolves to " + outside)
                .hasMessageContaining("outside storage 'local'");
        assertThatThrownBy(() -> storage.free(n)).hasMessageContaining("outside storage");
        assertThatThrownBy(() -> storage.exists(n)).hasMessageContaining("outside storage");
        assertThatThrownBy(() -> storage.open(n, true)).hasMessageContaining("outside storage");
        assertThatThrownBy(() -> storage.allocate(n, 4096)).hasMessageContaining("outside storage");
        assertThat(Files.readString(outside)).isEqualTo("do not touch");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void aGuestDirectoryLinkedOutsideIsRefusedAndNothingIsCreatedThere() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createDirectories(dir.resolve("images"));
        Files.createSymbolicLink(dir.resolve("images/100"), elsewhere);
        assertThatThrownBy(() -> storage.allocate(name("vm-100-disk-0.raw"), 4096))
                .hasMessageContaining("images/100 resolves to " + elsewhere);
        try (var s = Files.list(elsewhere)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void anImagesDirectoryLinkedOutsideIsRefused() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(dir.resolve("images"), elsewhere);
        assertThatThrownBy(() -> storage.pathOf(name("vm-100-disk-0.raw"))).hasMessageContaining("outside storage");
        assertThatThrownBy(() -> storage.freeNames(100, VolumeKind.DISK, ImageFormat.RAW, 1))
                .hasMessageContaining("outside storage");
    }

    @Test
    void aDanglingLinkIsRefused() throws IOException {
        Path link = Files.createDirectories(dir.resolve("images/100")).resolve("vm-100-disk-0.raw");
        Files.createSymbolicLink(link, tmp.resolve("gone"));
        assertThatThrownBy(() -> storage.pathOf(name("vm-100-disk-0.raw")))
                .hasMessageContaining("symbolic link to a missing target");
    }

    @Test
    void linksThatStayInsideTheStorageAndALinkedStorageDirectoryAreFine() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images/100"));
        Files.writeString(images.resolve("real"), "x");
        Files.createSymbolicLink(images.resolve("vm-100-disk-1.raw"), images.resolve("real"));
        assertThat(storage.exists(name("vm-100-disk-1.raw"))).isTrue();
        Path viaLink = Files.createSymbolicLink(tmp.resolve("local-link"), dir);
        Storage linked = new Storage(StorageConfig.dir("linked", viaLink, Set.of(Content.IMAGES)));
        assertThat(linked.exists(name("vm-100-disk-1.raw"))).isTrue();
    }

    @Test
    void rawVolumesHaveExactlyTheAskedSizeAndAreSparse() throws IOException {
        long size = 10_000_001;
        storage.allocate(name("vm-100-disk-0.raw"), size);
        Path f = storage.pathOf(name("vm-100-disk-0.raw"));
        assertThat(Files.size(f)).isEqualTo(size);
        try (BlockNode n = storage.open(name("vm-100-disk-0.raw"), false)) {
            assertThat(n.size()).isEqualTo(size);
            assertThat(n.allocatedBytes()).isLessThan(1 << 20);
        }
    }

    @Test
    void qemuImgSeesARawVolumeAsRawOfItsSize() throws IOException {
        // QEMU rounds a raw file's size up to 512 bytes, so compare on a sector-aligned size
        long size = 10_000_384;
        storage.allocate(name("vm-100-disk-0.raw"), size);
        Path f = storage.pathOf(name("vm-100-disk-0.raw"));
        String info = Interop.run("qemu-img", "info", "--output=json", f.toString()).ok().stdout();
        assertThat(info).contains("\"virtual-size\": " + size).contains("\"format\": \"raw\"")
                .contains("\"actual-size\": 0");
    }

    @Test
    void qcow2VolumesAreValidImagesOfExactlyTheAskedSize() throws IOException {
        long size = (1L << 30) + 512;
        storage.allocate(name("vm-100-disk-0.qcow2"), size);
        Path f = storage.pathOf(name("vm-100-disk-0.qcow2"));
        String info = Interop.run("qemu-img", "info", "--output=json", f.toString()).ok().stdout();
        assertThat(info).contains("\"virtual-size\": " + size).contains("\"format\": \"qcow2\"");
        Interop.run("qemu-img", "check", f.toString()).ok();
        try (BlockNode n = storage.open(name("vm-100-disk-0.qcow2"), true)) {
            assertThat(n.size()).isEqualTo(size);
            n.write(size - 512, new byte[512]);
        }
        Interop.run("qemu-img", "check", f.toString()).ok();
    }

    @Test
    void allocationNeverReplacesAVolume() throws IOException {
        storage.allocate(name("vm-100-disk-0.raw"), 4096);
        Path f = storage.pathOf(name("vm-100-disk-0.raw"));
        Files.writeString(f, "guest data");
        assertThatThrownBy(() -> storage.allocate(name("vm-100-disk-0.raw"), 8192))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("local:vm-100-disk-0.raw already exists");
        assertThat(Files.readString(f)).isEqualTo("guest data");
    }

    @Test
    void allocationChecksContentFormatAndSizeBeforeTouchingTheDisk() throws IOException {
        Storage backups = new Storage(StorageConfig.dir("bk", dir, Set.of(Content.BACKUP)));
        assertThatThrownBy(() -> backups.allocate(name("vm-100-disk-0.raw"), 4096))
                .hasMessageContaining("storage 'bk' does not hold images (content: [backup])");
        Storage rawOnly = new Storage(StorageConfig.dir("r", dir, Set.of(Content.IMAGES))
                .withFormats(Set.of(ImageFormat.RAW), ImageFormat.RAW));
        assertThatThrownBy(() -> rawOnly.allocate(name("vm-100-disk-0.qcow2"), 4096))
                .hasMessageContaining("storage 'r' does not allow format qcow2 (allowed: [raw])");
        assertThatThrownBy(() -> storage.allocate(name("vm-100-disk-0.qcow2"), 1000))
                .hasMessageContaining("multiple of 512 bytes, got 1000");
        assertThatThrownBy(() -> storage.allocate(name("vm-100-disk-0.raw"), 0)).hasMessageContaining("size must be positive");
        assertThat(dir.resolve("images")).doesNotExist();
        assertThatThrownBy(() -> new Storage(StorageConfig.dir("r", dir, Set.of(Content.IMAGES))).backupDirectory())
                .hasMessageContaining("does not hold backups");
    }

    @Test
    void freeingDeletesOnceAndReportsWhetherThereWasAVolume() throws IOException {
        VolumeName n = name("vm-100-fleece-0.raw");
        storage.allocate(n, 4096);
        assertThat(storage.exists(n)).isTrue();
        assertThat(storage.free(n)).isTrue();
        assertThat(storage.exists(n)).isFalse();
        assertThat(storage.free(n)).isFalse();
        assertThatThrownBy(() -> storage.open(n, false)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("volume local:vm-100-fleece-0.raw does not exist");
    }

    @Test
    void listingShowsVolumesWithSizesAndIgnoresEverythingElse() throws IOException {
        storage.allocate(name("vm-100-disk-0.raw"), 1 << 20);
        storage.allocate(name("vm-100-fleece-0.qcow2"), 1 << 20);
        storage.allocate(name("vm-200-disk-1.raw"), 4096);
        Path g100 = dir.resolve("images/100");
        Files.writeString(g100.resolve("notes.txt"), "x");
        Files.writeString(g100.resolve("vm-200-disk-0.raw"), "in the wrong guest's directory");
        Files.createSymbolicLink(g100.resolve("vm-100-disk-5.raw"), g100.resolve("vm-100-disk-0.raw"));
        Files.writeString(dir.resolve("images/stray.raw"), "x");
        try (BlockNode n = storage.open(name("vm-100-disk-0.raw"), true)) {
            n.write(0, new byte[65536]);
            n.flush();
        }
        List<VolumeInfo> vols = storage.volumes();
        assertThat(vols).extracting(v -> v.id().toString()).containsExactly(
                "local:vm-100-disk-0.raw", "local:vm-100-fleece-0.qcow2", "local:vm-200-disk-1.raw");
        assertThat(vols.get(0).fileSize()).isEqualTo(1 << 20);
        assertThat(vols.get(0).allocated()).isGreaterThanOrEqualTo(65536).isLessThan(1 << 20);
        assertThat(vols.get(2).fileSize()).isEqualTo(4096);
    }

    @Test
    void anEmptyStorageHasNoVolumes() throws IOException {
        assertThat(storage.volumes()).isEmpty();
    }

    @Test
    void freeNamesSkipIndexesTakenInAnyFormat() throws IOException {
        storage.allocate(name("vm-100-disk-0.qcow2"), 65536);
        storage.allocate(name("vm-100-disk-2.raw"), 4096);
        storage.allocate(name("vm-100-fleece-0.raw"), 4096);
        Files.writeString(dir.resolve("images/100/vm-100-disk-3"), "no extension, still taken");
        assertThat(storage.freeNames(100, VolumeKind.DISK, ImageFormat.RAW, 3)).extracting(VolumeName::toString)
                .containsExactly("vm-100-disk-1.raw", "vm-100-disk-4.raw", "vm-100-disk-5.raw");
        assertThat(storage.freeNames(100, VolumeKind.FLEECE, ImageFormat.QCOW2, 1)).extracting(VolumeName::toString)
                .containsExactly("vm-100-fleece-1.qcow2");
        assertThat(storage.freeNames(101, VolumeKind.DISK, ImageFormat.RAW, 1)).extracting(VolumeName::toString)
                .containsExactly("vm-101-disk-0.raw");
    }

    @Test
    void capabilitiesAreDetectedOnTheRealFileSystemOfTmp() throws IOException {
        // ext4 and tmpfs both make sparse files and punch holes
        assertThat(storage.detectCapabilities()).isEqualTo(new Capabilities(true, true));
        assertThat(storage.capabilities()).isEqualTo(new Capabilities(true, true));
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).as("probe files removed").isEmpty();
        }
    }

    @Test
    void overridesWinOverDetection() throws IOException {
        Storage off = new Storage(storage.config().withOverrides(false, false));
        assertThat(off.capabilities()).isEqualTo(new Capabilities(false, false));
        Storage mixed = new Storage(storage.config().withOverrides(null, false));
        assertThat(mixed.capabilities()).isEqualTo(new Capabilities(true, false));
        assertThat(off.detectCapabilities()).isEqualTo(new Capabilities(true, true));
    }

    @Test
    void spaceComesFromTheFileSystem() throws IOException {
        SpaceUsage s = storage.space();
        assertThat(s.total()).isPositive();
        assertThat(s.used()).isBetween(0L, s.total());
        assertThat(s.available()).isBetween(0L, s.total());
    }

    @Test
    void aMissingStorageDirectoryIsNamed() throws IOException {
        Storage gone = new Storage(StorageConfig.dir("gone", tmp.resolve("unmounted"), Set.of(Content.IMAGES)));
        assertThatThrownBy(() -> gone.pathOf(name("vm-100-disk-0.raw"))).hasMessageContaining(tmp.resolve("unmounted").toString())
                .hasMessageContaining("directory of storage 'gone' is missing");
        assertThatThrownBy(gone::space).hasMessageContaining("storage 'gone'");
        assertThatThrownBy(gone::capabilities).hasMessageContaining("storage 'gone'");
    }
}
