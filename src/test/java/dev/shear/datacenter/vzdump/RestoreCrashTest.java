package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.archive.Restore;
import dev.shear.datacenter.archive.RestoreOutcome;
import dev.shear.datacenter.archive.TaskProgress;
import dev.shear.datacenter.vzdump.CrashHarness.Point;
import dev.shear.datacenter.vzdump.StaleCleanup.Kind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/// A restore killed with SIGKILL midway leaves a guest with a stale `create` or `restore` lock;
/// `shear cleanup` destroys it (and nothing else), and the restore can then be run again.
class RestoreCrashTest {
    @TempDir
    Path root;

    /// Where the restoring process dies, and the lock the half-restored guest is left with.
    enum Moment {
        CONFIG_WRITTEN(Point.entry("dev.shear.datacenter.Storage", "allocate", 1), GuestLock.RESTORE),
        FIRST_DISK_WRITING(Point.entry("dev.shear.datacenter.archive.DiskChain", "copy", 1), GuestLock.RESTORE),
        SECOND_DISK_WRITING(Point.entry("dev.shear.datacenter.archive.DiskChain", "copy", 2), GuestLock.RESTORE),
        DISKS_WRITTEN(Point.entry("dev.shear.datacenter.Guests", "unlock", 1), GuestLock.RESTORE);

        final Point point;
        final String lock;

        Moment(Point point, String lock) {
            this.point = point;
            this.lock = lock;
        }
    }

    private String backup(VzdumpFixture fx) throws Exception {
        BackupOutcome o = new BackupService(fx.dc).start(BackupRequest.of(101, "backup"), null, e -> { }).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        return o.archive();
    }

    @ParameterizedTest
    @EnumSource(Moment.class)
    void cleanupDestroysTheHalfRestoredGuest(Moment moment) throws Exception {
        VzdumpFixture fx = new VzdumpFixture(root);
        String archive = backup(fx);
        CrashAftermath aftermath = new CrashAftermath(fx, 201);
        aftermath.before();

        CrashHarness.crashAt(moment.point, "restore", root.toString(), archive, "201", "false");
        assertThat(fx.guest(201).lock().kind()).isEqualTo(moment.lock);

        StaleCleanup cleanup = new StaleCleanup(fx.dc);
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(plan.items()).extracting(i -> i.kind() + " " + i.target()).containsExactly(Kind.UNFINISHED_GUEST
                + " guest 201");
        assertThat(cleanup.execute(plan).failures()).isEmpty();
        assertThat(fx.dc.guests().find(201)).isEmpty();
        for (String s : new String[] {"local", "fast"}) {
            assertThat(fx.dc.storages().get(s).volumes()).noneMatch(v -> v.id().name().vmid() == 201);
        }
        aftermath.assertNothingLeaked();
        aftermath.assertUntouched();

        RestoreOutcome again = new Restore(fx.dc).start(archive, 201, null, false, TaskProgress.NONE).await();
        assertThat(again.ok()).as(again.error()).isTrue();
    }

    @Test
    void aCrashWhileForceDestroysTheOldGuestLeavesItForCleanup() throws Exception {
        VzdumpFixture fx = new VzdumpFixture(root);
        String archive = backup(fx);
        CrashHarness.crashAt(Point.entry("dev.shear.datacenter.Storage", "free", 1), "restore", root.toString(),
                archive, "102", "true");
        assertThat(fx.guest(102).lock().kind()).isEqualTo(GuestLock.DESTROY);
        StaleCleanup cleanup = new StaleCleanup(fx.dc);
        StaleCleanup.Plan plan = cleanup.find();
        assertThat(plan.items()).extracting(StaleCleanup.Item::kind).containsExactly(Kind.UNFINISHED_GUEST);
        assertThat(plan.items().getFirst().why()).startsWith("its destroy by pid ");
        cleanup.execute(plan);
        assertThat(fx.dc.guests().find(102)).isEmpty();
        RestoreOutcome o = new Restore(fx.dc).start(archive, 102, null, false, TaskProgress.NONE).await();
        assertThat(o.ok()).as(o.error()).isTrue();
        assertThat(fx.contents(102)).containsExactlyElementsOf(fx.contents(101));
    }
}
