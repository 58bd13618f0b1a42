package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.ImageFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
    @TempDir
    Path dir;

    private static GuestConfig guest() {
        VolumeId v = VolumeId.parse("local:vm-100-disk-0.qcow2");
        ProcessOwner owner = new ProcessOwner("h1", 4242, 99, Instant.parse("2025-01-31T12:00:00.123Z"));
        return new GuestConfig(100, "web-1", "the web server", List.of(new GuestDisk(Bus.SCSI, 0, v, 1L << 30)),
                new GuestLock("backup", owner), List.of(VolumeId.parse("fast:vm-100-fleece-0.raw")));
    }

    private Path write(String name, String json) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, json, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void guestConfigRoundTripsWithSchemaFirstAndReadableValues() throws IOException {
        Path f = dir.resolve("100.json");
        ConfigFiles.create(f, guest());
        String text = Files.readString(f);
        assertThat(text).startsWith("{\n  \"schema\" : 1,");
        assertThat(text).contains("\"volume\" : \"local:vm-100-disk-0.qcow2\"", "\"bus\" : \"scsi\"",
                "\"started\" : \"2025-01-31T12:00:00.123Z\"", "\"fleecing\" : [ \"fast:vm-100-fleece-0.raw\" ]");
        assertThat(ConfigFiles.read(f, GuestConfig.class)).isEqualTo(guest());
    }

    @Test
    void storageConfigRoundTripsFormatsAsTheirIds() throws IOException {
        Path f = dir.resolve("local.json");
        StorageConfig c = new StorageConfig("local", Path.of("/srv/images"), EnumSet.of(Content.IMAGES, Content.BACKUP),
                Set.of(ImageFormat.QCOW2, ImageFormat.RAW), ImageFormat.QCOW2, true, null);
        ConfigFiles.create(f, c);
        assertThat(Files.readString(f)).contains("\"path\" : \"/srv/images\"", "\"formats\" : [ \"raw\", \"qcow2\" ]",
                "\"defaultFormat\" : \"qcow2\"", "\"content\" : [ \"images\", \"backup\" ]");
        assertThat(ConfigFiles.read(f, StorageConfig.class)).isEqualTo(c);
    }

    @Test
    void optionalFieldsMayBeLeftOut() throws IOException {
        Path f = write("s.json", """
                {"schema": 1, "id": "local", "path": "/srv", "content": ["images"], "formats": ["raw"],
                 "defaultFormat": "raw"}
                """);
        StorageConfig c = ConfigFiles.read(f, StorageConfig.class);
        assertThat(c.thin()).isNull();
        assertThat(c.discard()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty file          ||the file is empty
            not JSON            |{"schema": 1, "vmid": |not valid JSON
            trailing text       |{"schema": 1} x|not valid JSON
            array               |[1, 2]|expected a JSON object, found array
            no schema           |{"vmid": 100, "name": "a", "disks": []}|missing field 'schema'
            newer schema        |{"schema": 2, "vmid": 100, "name": "a", "disks": []}|written by a newer Shear (schema 2)
            schema zero         |{"schema": 0, "vmid": 100, "name": "a", "disks": []}|unknown schema version 0
            schema text         |{"schema": "1", "vmid": 100, "name": "a", "disks": []}|field 'schema' must be an integer
            missing vmid        |{"schema": 1, "name": "a", "disks": []}|field 'vmid': missing required field
            missing disk size   |{"schema": 1, "vmid": 100, "name": "a", "disks": [{"bus": "scsi", "index": 0, "volume": "l:vm-100-disk-0.raw"}]}|field 'disks[0].size': missing required field
            vmid as text        |{"schema": 1, "vmid": "100", "name": "a", "disks": []}|field 'vmid': expected an integer, found the string "100"
            vmid as fraction    |{"schema": 1, "vmid": 100.5, "name": "a", "disks": []}|field 'vmid': expected an integer, found the number 100.5
            null vmid           |{"schema": 1, "vmid": null, "name": "a", "disks": []}|field 'vmid': expected an integer, found null
            disks not a list    |{"schema": 1, "vmid": 100, "name": "a", "disks": 7}|field 'disks': expected a list, found the number 7
            bad guest name      |{"schema": 1, "vmid": 100, "name": "a b", "disks": []}|invalid guest name 'a b'
            vmid out of range   |{"schema": 1, "vmid": 42, "name": "a", "disks": []}|guest id 42 is outside 100…999999999
            bad volume id       |{"schema": 1, "vmid": 100, "name": "a", "disks": [{"bus": "scsi", "index": 0, "volume": "l:../../etc/passwd", "size": 1}]}|contains '..'
            bad bus             |{"schema": 1, "vmid": 100, "name": "a", "disks": [{"bus": "usb", "index": 0, "volume": "l:vm-100-disk-0.raw", "size": 1}]}|unknown disk bus 'usb'
            foreign volume      |{"schema": 1, "vmid": 100, "name": "a", "disks": [{"bus": "scsi", "index": 0, "volume": "l:vm-101-disk-0.raw", "size": 1}]}|is not a disk volume of this guest
            unknown field       |{"schema": 1, "vmid": 100, "name": "a", "disks": [], "colour": "red"}|unknown field 'colour'
            unknown nested      |{"schema": 1, "vmid": 100, "name": "a", "disks": [{"bus": "scsi", "index": 0, "volume": "l:vm-100-disk-0.raw", "size": 1, "cache": "none"}]}|field 'disks[0]': unknown field 'cache'
            duplicate key       |{"schema": 1, "vmid": 100, "vmid": 101, "name": "a", "disks": []}|Duplicate field 'vmid'
            """)
    void aBadGuestFileIsRefusedWithItsPathAndTheProblem(String what, String json, String problem) throws IOException {
        Path f = write("100.json", json == null ? "" : json);
        assertThatThrownBy(() -> ConfigFiles.read(f, GuestConfig.class)).as(what)
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo(f));
    }

    @Test
    void aMissingFileIsNotACorruptOne() {
        assertThatThrownBy(() -> ConfigFiles.read(dir.resolve("nope.json"), GuestConfig.class))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void replaceRefusesToOverwriteACorruptFileAndLeavesItUntouched() throws IOException {
        Path f = write("100.json", "{\"schema\": 1, \"vmid\": 100, \"name\": \"a\", \"disks\": [], \"colour\": 1}");
        byte[] before = Files.readAllBytes(f);
        assertThatThrownBy(() -> ConfigFiles.replace(f, guest(), GuestConfig.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("refusing to overwrite")
                .hasMessageContaining("unknown field 'colour'");
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
    }

    @Test
    void writesLeaveNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("100.json");
        ConfigFiles.create(f, guest());
        for (int i = 0; i < 5; i++) {
            ConfigFiles.replace(f, guest().withDescription("v" + i), GuestConfig.class);
        }
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("100.json");
        }
        assertThat(ConfigFiles.read(f, GuestConfig.class).description()).isEqualTo("v4");
    }

    @Test
    void createRefusesAnExistingFile() throws IOException {
        Path f = write("100.json", "keep me");
        assertThatThrownBy(() -> ConfigFiles.create(f, guest())).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(Files.readString(f)).isEqualTo("keep me");
    }
}
