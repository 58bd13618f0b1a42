package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shear.datacenter.TaskState;
import dev.shear.datacenter.archive.Archives;
import dev.shear.testing.TinyTmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// A backup storage that fills up: a 1 MiB tmpfs mounted as its directory (mounting needs root:
/// skipped elsewhere, but CI runs as root and fails if the mount fails).
class BackupDiskFullTest {
    @TempDir
    Path root;

    @Test
    void aFullBackupStorageFailsTheTaskSayingSoAndLeavesNothing() throws Exception {
        VzdumpFixture fx = new VzdumpFixture(root);
        Path dir = fx.dc.storages().get("backup").config().path();
        TinyTmpfs.mount(dir, "1m");
        try {
            BackupOutcome o = new BackupService(fx.dc).start(BackupRequest.of(101, "backup")
                    .withFleecing(FleecingOption.parse("1,storage=fast")), null, e -> { }).await();
            assertThat(o.ok()).as("2.6 MiB of data on a 1 MiB storage").isFalse();
            assertThat(o.error()).contains("scsi0.qcow2").containsIgnoringCase("no space left");
            assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.ERROR);
            assertThat(fx.dc.tasks().info(o.task()).error()).isEqualTo(o.error());
            assertThat(new Archives(fx.dc).list()).as("the incomplete archive is removed").isEmpty();
            try (Stream<Path> s = Files.list(dir.resolve("dump"))) {
                assertThat(s).isEmpty();
            }
            assertThat(fx.guest(101).lock()).isNull();
            assertThat(fx.guest(101).fleecing()).isEmpty();
            assertThat(fx.dc.storages().get("fast").volumes()).isEmpty();
            assertThat(new StaleCleanup(fx.dc).find().items()).isEmpty();
        } finally {
            TinyTmpfs.unmount(dir);
        }
    }
}
