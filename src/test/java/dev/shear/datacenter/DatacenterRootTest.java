package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatacenterRootTest {
    @TempDir
    Path tmp;

    private static final Path HOME = Path.of("/home/ann");

    @Test
    void anExplicitRootWinsOverEverything() {
        DatacenterRoot r = DatacenterRoot.resolve(Path.of("/srv/dc"), Map.of("SHEAR_ROOT", "/env", "XDG_DATA_HOME", "/xdg"), HOME);
        assertThat(r.path()).isEqualTo(Path.of("/srv/dc"));
        assertThat(r.source()).isEqualTo("--root");
    }

    @Test
    void thenTheEnvironmentVariable() {
        DatacenterRoot r = DatacenterRoot.resolve(null, Map.of("SHEAR_ROOT", "/env", "XDG_DATA_HOME", "/xdg"), HOME);
        assertThat(r.path()).isEqualTo(Path.of("/env"));
        assertThat(r.source()).isEqualTo("SHEAR_ROOT");
    }

    @Test
    void thenXdgDataHomeWhenAbsolute() {
        assertThat(DatacenterRoot.resolve(null, Map.of("XDG_DATA_HOME", "/xdg"), HOME).path()).isEqualTo(Path.of("/xdg/shear"));
        assertThat(DatacenterRoot.resolve(null, Map.of("XDG_DATA_HOME", "relative", "SHEAR_ROOT", " "), HOME).path())
                .as("a relative XDG_DATA_HOME is invalid and ignored, a blank SHEAR_ROOT too")
                .isEqualTo(Path.of("/home/ann/.local/share/shear"));
    }

    @Test
    void elseTheHomeDirectory() {
        DatacenterRoot r = DatacenterRoot.resolve(null, Map.of(), HOME);
        assertThat(r.path()).isEqualTo(Path.of("/home/ann/.local/share/shear"));
        assertThat(r).hasToString("/home/ann/.local/share/shear (from home)");
    }

    @Test
    void relativePathsAreMadeAbsolute() {
        assertThat(DatacenterRoot.resolve(Path.of("dc"), Map.of(), HOME).path()).isEqualTo(Path.of("dc").toAbsolutePath());
        assertThat(DatacenterRoot.resolve(null, Map.of("SHEAR_ROOT", "x/../y"), HOME).path())
                .isEqualTo(Path.of("y").toAbsolutePath());
    }

    @Test
    void aFreshRootGetsTheLayoutAndAMarker() throws IOException {
        Path root = tmp.resolve("a/b/dc");
        Datacenter dc = Fixture.open(root);
        for (String d : new String[] {"storage", "guests", "tasks", "run/lock", "bitmaps"}) {
            assertThat(root.resolve(d)).as(d).isDirectory();
        }
        assertThat(Files.readString(root.resolve("datacenter.json"))).startsWith("{\n  \"schema\" : 1,").contains("\"created\"");
        assertThat(dc.root().guestFile(100)).isEqualTo(root.resolve("guests/100.json"));
        assertThat(dc.root().storageFile("local")).isEqualTo(root.resolve("storage/local.json"));
        assertThat(dc.root().bitmapDir(100)).isEqualTo(root.resolve("bitmaps/100"));
        byte[] marker = Files.readAllBytes(root.resolve("datacenter.json"));
        Fixture.open(root);
        assertThat(Files.readAllBytes(root.resolve("datacenter.json"))).as("reopening keeps the marker").isEqualTo(marker);
    }

    @Test
    void anEmptyExistingDirectoryBecomesARoot() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("empty"));
        Fixture.open(root);
        assertThat(root.resolve("datacenter.json")).exists();
    }

    @Test
    void aDirectoryWithOtherFilesIsNotTakenOver() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve(".bashrc"), "x");
        Files.createDirectories(home.resolve("Documents"));
        assertThatThrownBy(() -> Fixture.open(home)).hasMessageContaining(home.toString())
                .hasMessageContaining("is not a Shear datacenter (no datacenter.json)")
                .hasMessageContaining(".bashrc, Documents");
        try (var s = Files.list(home)) {
            assertThat(s.count()).as("nothing created").isEqualTo(2);
        }
    }

    @Test
    void aFileIsNotARoot() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> Fixture.open(f)).hasMessageContaining("is not a directory");
    }

    @Test
    void aRootFromANewerShearIsRefusedAndLeftAlone() throws IOException {
        Path root = tmp.resolve("dc");
        Fixture.open(root);
        Path marker = root.resolve("datacenter.json");
        Files.writeString(marker, "{\"schema\": 2, \"created\": \"2030-01-01T00:00:00Z\", \"shards\": 4}");
        assertThatThrownBy(() -> Fixture.open(root)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(marker.toString())
                .hasMessageContaining("written by a newer Shear (schema 2); this Shear reads schema 1");
        assertThat(Files.readString(marker)).contains("\"schema\": 2");
    }

    @Test
    void aDamagedMarkerIsRefused() throws IOException {
        Path root = tmp.resolve("dc");
        Fixture.open(root);
        Files.writeString(root.resolve("datacenter.json"), "{\"schema\": 1");
        assertThatThrownBy(() -> Fixture.open(root)).isInstanceOf(ConfigException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void aRootLeftHalfCreatedByACrashIsCompleted() throws IOException {
        Path root = tmp.resolve("dc");
        Files.createDirectories(root.resolve("run/lock"));
        Files.createDirectories(root.resolve("guests"));
        Fixture.open(root);
        assertThat(root.resolve("datacenter.json")).exists();
        assertThat(root.resolve("tasks")).isDirectory();
    }
}
