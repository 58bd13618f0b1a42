package dev.shear.datacenter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;

/// A datacenter under a temporary directory with a short lock wait and one `dir` storage.
final class Fixture {
    /// Short, so tests that expect a lock to be busy finish quickly (never asserted as a time).
    static final Duration WAIT = Duration.ofMillis(300);

    private Fixture() {
    }

    static Datacenter open(Path root) throws IOException {
        return Datacenter.open(new DatacenterRoot(root, "test"), WAIT);
    }

    /// Opens a datacenter in `tmp/root` with storage `local` (images and backups) at `tmp/local`.
    static Datacenter withLocalStorage(Path tmp) throws IOException {
        Datacenter dc = open(tmp.resolve("root"));
        Path dir = Files.createDirectories(tmp.resolve("local"));
        dc.storages().add(StorageConfig.dir("local", dir, EnumSet.of(Content.IMAGES, Content.BACKUP)));
        return dc;
    }
}
