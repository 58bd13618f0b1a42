package dev.shear.datacenter.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.datacenter.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyTest {
    @TempDir
    Path root;
    ArchiveFixture fx;

    @BeforeEach
    void setUp() throws Exception {
        fx = new ArchiveFixture(root);
    }

    private VerifyOutcome verify(Archive a) throws Exception {
        return new Verify(fx.dc).start(a.id(), TaskProgress.NONE).await();
    }

    @Test
    void anIntactBackupVerifiesAndTheResultIsRecorded() throws Exception {
        Archive a = fx.backup(101, false);
        Instant before = Instant.now();
        AtomicLong done = new AtomicLong();
        VerifyOutcome o = new Verify(fx.dc).start(a.id(), (d, t) -> done.set(d)).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(done.get()).isEqualTo(6L << 20);
        Verification v = a.verification().orElseThrow();
        assertThat(v.ok()).isTrue();
        assertThat(v.time()).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(ArchiveSummary.of(a).verified()).isEqualTo("ok");
        assertThat(fx.dc.tasks().info(o.task()).state()).isEqualTo(TaskState.OK);
        assertThat(o.task().type()).isEqualTo("verify");
        assertThat(o.task().vmid()).isEqualTo(101);
    }

    @Test
    void aMissingParentImageFailsNamingTheFile() throws Exception {
        Archive full = fx.backup(100, true);
        fx.write(100, 1, 3);
        Archive inc = fx.backup(100, true);
        Files.delete(full.image("scsi0.qcow2"));
        VerifyOutcome o = verify(inc);
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).isEqualTo("backup " + full.id() + ": image " + full.image("scsi0.qcow2")
                + " of disk scsi0 is missing");
        assertThat(inc.verification()).hasValueSatisfying(v -> {
            assertThat(v.ok()).isFalse();
            assertThat(v.message()).isEqualTo(o.error());
        });
        assertThat(ArchiveSummary.of(inc).verified()).isEqualTo("failed");
        assertThat(fx.dc.tasks().info(o.task()).error()).isEqualTo(o.error());
    }

    @Test
    void anImageThatIsNotQcow2FailsNamingTheFile() throws Exception {
        Archive a = fx.backup(100, false);
        Files.write(a.image("scsi0.qcow2"), new byte[4096]);
        VerifyOutcome o = verify(a);
        assertThat(o.ok()).isFalse();
        assertThat(o.error()).contains(a.image("scsi0.qcow2").toString());
    }

    @Test
    void anIncompleteBackupIsRefusedWithoutATask() throws Exception {
        Archive a = fx.backup(100, false);
        Files.delete(a.dir().resolve("manifest.json"));
        assertThatThrownBy(() -> verify(a)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is incomplete (it has no manifest");
        assertThat(fx.dc.tasks().list()).noneMatch(t -> t.id().type().equals("verify"));
        assertThat(a.verification()).isEmpty();
    }
}
