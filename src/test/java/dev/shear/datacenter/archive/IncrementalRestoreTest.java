package dev.shear.datacenter.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.testing.Interop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// A chain of three backups (full, incremental, incremental) of a two-disk guest with writes in
/// between: restoring each archive gives exactly the disks as they were at that backup.
class IncrementalRestoreTest {
    @TempDir
    Path root;

    @Test
    void eachBackupOfAChainRestoresItsPointInTime() throws Exception {
        ArchiveFixture fx = new ArchiveFixture(root);
        List<List<byte[]>> states = new ArrayList<>();
        List<Archive> chain = new ArrayList<>();
        for (int step = 0; step < 3; step++) {
            if (step > 0) {
                fx.write(101, 10 + step, 12);
            }
            List<byte[]> disks = new ArrayList<>();
            for (Path p : fx.disks(101)) {
                disks.add(Files.readAllBytes(p));
            }
            states.add(disks);
            chain.add(fx.backup(101, true));
        }
        assertThat(chain.get(1).requireManifest().parent()).isEqualTo(chain.get(0).name().toString());
        assertThat(chain.get(2).requireManifest().parent()).isEqualTo(chain.get(1).name().toString());
        assertThat(states.get(1)).as("the writes changed the disks").isNotEqualTo(states.get(0));
        for (int step = 0; step < 3; step++) {
            int vmid = 500 + step;
            RestoreOutcome o = new Restore(fx.dc).start(chain.get(step).id(), vmid, "fast", false, TaskProgress.NONE)
                    .await();
            assertThat(o.ok()).as("step %d: %s", step, o.error()).isTrue();
            List<Path> restored = fx.disks(vmid);
            for (int i = 0; i < 2; i++) {
                assertThat(Files.readAllBytes(restored.get(i))).as("step %d disk %d", step, i)
                        .isEqualTo(states.get(step).get(i));
            }
            VerifyOutcome v = new Verify(fx.dc).start(chain.get(step).id(), TaskProgress.NONE).await();
            assertThat(v.ok()).as("step %d: %s", step, v.error()).isTrue();
        }
        // the newest restore as qemu-img sees it, reading the archive through its backing chain
        Path top = chain.get(2).image("scsi1.qcow2");
        Interop.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", top.toString(),
                fx.disks(502).get(1).toString()).ok();
    }
}
