package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.datacenter.vzdump.CrashHarness.Step;
import dev.shear.datacenter.vzdump.StaleCleanup.Kind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/// A backup with fleecing of a two-disk guest that is being written to, its process killed with
/// SIGKILL at each step of the lifecycle, then `shear cleanup`: exactly the leftovers of that
/// step are found and removed — nothing leaked, nothing else touched.
class BackupCrashCleanupTest {
    @TempDir
    Path root;

    static List<Kind> leftovers(Step step) {
        return switch (step) {
            case LOCKED, COMPLETED -> List.of(Kind.STALE_LOCK);
            case ARCHIVE_CREATED, FLEECING_RELEASED -> List.of(Kind.INCOMPLETE_ARCHIVE, Kind.STALE_LOCK);
            case FLEECING_RECORDED, FLEECING_HALF_ALLOCATED, FLEECING_ALLOCATED, COPYING, FIRST_DISK_DONE, COPIED ->
                    List.of(Kind.RECORDED_FLEECING_IMAGE, Kind.RECORDED_FLEECING_IMAGE, Kind.INCOMPLETE_ARCHIVE,
                            Kind.STALE_LOCK);
        };
    }

    /// How many of the two recorded fleecing images exist on disk after a crash at `step`.
    static int imagesOnDisk(Step step) {
        return switch (step) {
            case FLEECING_RECORDED -> 0;
            case FLEECING_HALF_ALLOCATED -> 1;
            default -> 2;
        };
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void cleanupAfterACrashRemovesExactlyWhatTheCrashLeft(Step step) throws Exception {
        CrashAftermath aftermath = CrashAftermath.ofBackupCrash(root, step);

        StaleCleanup cleanup = new StaleCleanup(aftermath.fixture().dc);
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(plan.items()).extracting(StaleCleanup.Item::kind).as(plan.items().toString())
                .containsExactlyElementsOf(leftovers(step));
        assertThat(plan.items()).allMatch(i -> i.vmid() == 101);
        List<StaleCleanup.Item> images = plan.items().stream()
                .filter(i -> i.kind() == Kind.RECORDED_FLEECING_IMAGE).toList();
        if (!images.isEmpty()) {
            assertThat(images.stream().filter(i -> java.nio.file.Files.exists(i.path())).count())
                    .as("fleecing images on disk").isEqualTo(imagesOnDisk(step));
        }
        StaleCleanup.Report report = cleanup.execute(plan);
        assertThat(report.failures()).isEmpty();
        assertThat(report.left()).isEmpty();
        assertThat(report.removed()).hasSize(plan.items().size());

        aftermath.assertNothingLeaked();
        aftermath.assertUntouched();
    }
}
