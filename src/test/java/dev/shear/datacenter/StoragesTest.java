package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.ImageFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoragesTest {
    @TempDir
    Path tmp;
    Datacenter dc;
    Path fastDir;

    @BeforeEach
    void setUp() throws IOException {
        dc = Fixture.withLocalStorage(tmp);
        fastDir = Files.createDirectories(tmp.resolve("fast"));
    }

    private StorageConfig fast() {
        return StorageConfig.dir("fast", fastDir, Set.of(Content.IMAGES)).withFormats(Set.of(ImageFormat.RAW, ImageFormat.QCOW2),
                ImageFormat.QCOW2);
    }

    @Test
    void addedStoragesAreListedSortedAndCanBeUsed() throws IOException {
        dc.storages().add(fast());
        assertThat(dc.storages().list().items()).extracting(StorageConfig::id).containsExactly("fast", "local");
        assertThat(dc.storages().config("fast")).isEqualTo(fast());
        Storage s = dc.storages().get("fast");
        s.allocate(VolumeName.parse("vm-100-fleece-0.qcow2"), 65536);
        assertThat(fastDir.resolve("images/100/vm-100-fleece-0.qcow2")).exists();
        assertThat(dc.root().storageFile("fast")).exists();
    }

    @Test
    void addRefusesDuplicatesMissingDirectoriesAndSharedDirectories() throws IOException {
        dc.storages().add(fast());
        assertThatThrownBy(() -> dc.storages().add(fast())).hasMessageContaining("storage 'fast' already exists");
        assertThatThrownBy(() -> dc.storages().add(StorageConfig.dir("nodir", tmp.resolve("missing"), Set.of(Content.IMAGES))))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("directory of new storage 'nodir' does not exist");
        Path viaLink = Files.createSymbolicLink(tmp.resolve("fast-link"), fastDir);
        assertThatThrownBy(() -> dc.storages().add(StorageConfig.dir("again", viaLink, Set.of(Content.IMAGES))))
                .hasMessageContaining("would share directory " + fastDir + " with storage 'fast'");
        assertThat(dc.storages().list().items()).extracting(StorageConfig::id).containsExactly("fast", "local");
    }

    @Test
    void invalidDefinitionsAreRefusedOnConstruction() {
        assertThatThrownBy(() -> StorageConfig.dir("Fast", fastDir, Set.of(Content.IMAGES))).hasMessageContaining("invalid storage id 'Fast'");
        assertThatThrownBy(() -> StorageConfig.dir("9x", fastDir, Set.of(Content.IMAGES))).hasMessageContaining("invalid storage id");
        assertThatThrownBy(() -> StorageConfig.dir("a", Path.of("rel"), Set.of(Content.IMAGES))).hasMessageContaining("absolute");
        assertThatThrownBy(() -> StorageConfig.dir("a", Path.of("/srv/../etc"), Set.of(Content.IMAGES))).hasMessageContaining("normalized");
        assertThatThrownBy(() -> StorageConfig.dir("a", Path.of("/"), Set.of(Content.IMAGES))).hasMessageContaining("other than /");
        assertThatThrownBy(() -> StorageConfig.dir("a", fastDir, Set.of())).hasMessageContaining("content must list at least one value");
        assertThatThrownBy(() -> fast().withFormats(Set.of(ImageFormat.RAW), ImageFormat.QCOW2))
                .hasMessageContaining("default format qcow2 is not one of its formats [raw]");
    }

    @Test
    void theFormatHintFallsBackToTheDefault() {
        StorageConfig rawOnly = fast().withFormats(Set.of(ImageFormat.RAW), ImageFormat.RAW);
        assertThat(rawOnly.formatFor(ImageFormat.QCOW2)).isEqualTo(ImageFormat.RAW);
        assertThat(fast().formatFor(ImageFormat.RAW)).isEqualTo(ImageFormat.RAW);
    }

    @Test
    void unknownStoragesAreNotFound() {
        assertThatThrownBy(() -> dc.storages().get("nope")).isInstanceOf(NotFoundException.class)
                .hasMessage("storage 'nope' does not exist");
        assertThatThrownBy(() -> dc.storages().remove("nope")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void removeRefusesWhileAGuestUsesTheStorageForADiskOrAFleecingImage() throws IOException {
        dc.storages().add(fast());
        dc.guests().create(new GuestSpec(100, "a", null,
                List.of(new GuestSpec.DiskSpec(Bus.SCSI, 0, "local", ImageFormat.RAW, 1 << 20))), null);
        dc.guests().update(100, c -> c.withFleecing(List.of(VolumeId.parse("fast:vm-100-fleece-0.qcow2"))));
        assertThatThrownBy(() -> dc.storages().remove("local"))
                .hasMessageContaining("storage 'local' is in use by guest 100 (local:vm-100-disk-0.raw)");
        assertThatThrownBy(() -> dc.storages().remove("fast"))
                .hasMessageContaining("storage 'fast' is in use by guest 100 (fast:vm-100-fleece-0.qcow2)");
        dc.guests().update(100, c -> c.withFleecing(List.of()));
        dc.storages().remove("fast");
        assertThat(dc.storages().list().items()).extracting(StorageConfig::id).containsExactly("local");
        assertThat(fastDir).as("the directory stays").isDirectory();
    }

    @Test
    void removeRefusesWhileAGuestFileIsUnreadable() throws IOException {
        dc.storages().add(fast());
        Path broken = Files.writeString(dc.root().guestFile(100), "{oops");
        assertThatThrownBy(() -> dc.storages().remove("fast"))
                .hasMessageContaining("cannot tell whether storage 'fast' is in use")
                .hasMessageContaining(broken.toString());
        assertThat(dc.storages().config("fast")).isEqualTo(fast());
    }

    @Test
    void aCorruptDefinitionIsReportedWithoutHidingTheOthersAndIsNeverOverwritten() throws IOException {
        Path bad = Files.writeString(dc.root().storageFile("bad"), "{\"schema\": 1, \"id\": \"bad\"}");
        Path misnamed = dc.root().storageFile("other");
        Files.copy(dc.root().storageFile("local"), misnamed);
        Listing<StorageConfig> all = dc.storages().list();
        assertThat(all.items()).extracting(StorageConfig::id).containsExactly("local");
        assertThat(all.broken()).extracting(ConfigException::path).containsExactly(bad, misnamed);
        assertThat(all.broken().get(0).problem()).isEqualTo("field 'path': missing required field");
        assertThat(all.broken().get(1).problem()).isEqualTo("it defines storage 'local' but is named other.json");
        assertThatThrownBy(() -> dc.storages().get("bad")).isInstanceOf(ConfigException.class).hasMessageStartingWith(bad + ": ");
        assertThatThrownBy(() -> dc.storages().remove("bad")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> dc.storages().add(StorageConfig.dir("bad", fastDir, Set.of(Content.IMAGES))))
                .hasMessageContaining("already exists");
        assertThat(Files.readString(bad)).isEqualTo("{\"schema\": 1, \"id\": \"bad\"}");
        assertThatThrownBy(() -> dc.storages().add(fast())).as("cannot check the other storages' directories")
                .hasMessageContaining(bad.toString());
    }
}
