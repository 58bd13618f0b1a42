package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.vzdump.CrashHarness.Step;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/// As [BackupCrashCleanupTest], but the next backup of the guest is what cleans up (Proxmox VE's
/// habit: a backup first removes what an earlier one left): it succeeds, and afterwards nothing
/// leaked and nothing else changed.
class BackupCrashNextBackupTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Step.class)
    void theNextBackupAfterACrashCleansUpAndSucceeds(Step step) throws Exception {
        CrashAftermath aftermath = CrashAftermath.ofBackupCrash(root, step);
        VzdumpFixture fx = aftermath.fixture();
        long complete = countComplete(fx);

        BackupOutcome o = new BackupService(fx.dc).start(BackupRequest.of(101, "backup")
                .withFleecing(FleecingOption.parse("1,storage=fast")), null, e -> { }).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(countComplete(fx)).isEqualTo(complete + 1);
        assertThat(fx.dc.tasks().read(o.task())).anyMatch(l -> l.contains("clearing stale lock 'backup'"));

        aftermath.assertNothingLeaked();
        aftermath.assertUntouched();
    }

    private static long countComplete(VzdumpFixture fx) throws Exception {
        long n = 0;
        for (Archive a : new Archives(fx.dc).list()) {
            if (a.state() == Archive.State.COMPLETE) {
                n++;
            }
        }
        return n;
    }
}
