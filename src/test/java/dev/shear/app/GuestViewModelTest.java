package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.backup.BackupDialogViewModel;
import dev.shear.app.backup.LiveBackup;
import dev.shear.app.clustermap.ClusterState;
import dev.shear.app.clustermap.MapFrame;
import dev.shear.app.clustermap.Viewport;
import dev.shear.app.guest.GuestState;
import dev.shear.app.guest.GuestViewModel;
import dev.shear.app.job.LiveJobViewModel;
import dev.shear.app.main.NavItem;
import dev.shear.control.GuestRuntime;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.nbd.NbdClientNode;
import org.junit.jupiter.api.Test;

class GuestViewModelTest extends EngineTest {
    @Test
    void startServesEveryDiskOverNbdAndStopReleasesTheGuest() throws Exception {
        GuestViewModel vm = new GuestViewModel(fx.ctx, 101);
        assertThat(vm.detailsProperty().get().state()).isInstanceOf(GuestState.Stopped.class);
        vm.start();
        var d = vm.detailsProperty().get();
        assertThat(d.state()).isInstanceOf(GuestState.RunningHere.class);
        assertThat(vm.disks()).extracting(r -> r.key()).containsExactly("scsi0", "scsi1");
        for (var row : vm.disks()) {
            assertThat(row.uri()).startsWith("nbd://127.0.0.1:").endsWith("/" + row.key());
            try (NbdClientNode n = NbdClientNode.connect(row.uri())) {
                assertThat(n.size()).isEqualTo(row.size());
            }
            assertThat(row.allocation()).isNotNull();
            assertThat(row.allocated()).isPositive();
        }
        assertThat(new GuestRuns(fx.dc.root()).holder(101)).get().extracting(i -> i.isRunning()).isEqualTo(true);
        vm.stop();
        assertThat(vm.detailsProperty().get().state()).isInstanceOf(GuestState.Stopped.class);
        assertThat(new GuestRuns(fx.dc.root()).holder(101)).isEmpty();
        assertThat(fx.dialogs.shown).isEmpty();
        vm.close();
    }

    @Test
    void loadOnAStoppedGuestIsRefusedWithAReadableMessage() {
        GuestViewModel vm = new GuestViewModel(fx.ctx, 100);
        vm.loadOnProperty().set(true);
        assertThat(vm.loadOnProperty().get()).isFalse();
        assertThat(fx.dialogs.of("error")).singleElement().extracting(ScriptedDialogs.Shown::text)
                .isEqualTo("Guest 100 is not running: start it to put load on it.");
        assertThat(fx.ctx.loads().get(100)).isEmpty();
        vm.close();
    }

    @Test
    void loadWritesToTheRunningGuestUntilSwitchedOff() throws Exception {
        GuestViewModel vm = new GuestViewModel(fx.ctx, 100);
        vm.start();
        vm.iopsProperty().set(2000);
        vm.loadOnProperty().set(true);
        var load = fx.ctx.loads().get(100).orElseThrow();
        fx.tickUntil("guest writes", 20, () -> load.stats().writesPerSecond() > 0);
        vm.loadOnProperty().set(false);
        assertThat(fx.ctx.loads().get(100)).isEmpty();
        vm.stop();
        vm.close();
    }

    @Test
    void backupNowWithFleecingUnderLoadRunsToCompletionAndFreesTheFleecingImages() throws Exception {
        GuestViewModel vm = new GuestViewModel(fx.ctx, 101);
        vm.start();
        vm.loadOnProperty().set(true);
        fx.dialogs.formScript = f -> ((BackupDialogViewModel) f).fleecingProperty().set(true);
        vm.backupNow();
        assertThat(fx.ctx.liveBackups()).hasSize(1);
        LiveBackup live = fx.ctx.liveBackups().getFirst();
        assertThat(fx.navigations).containsExactly(new NavItem.Live(live));
        assertThat(live.request().fleecing().storage()).isEqualTo("fast");
        LiveJobViewModel job = fx.ctx.liveModel(live);
        job.setViewport(new Viewport(300, 120, null, new int[] {1, 2, 3, 4, 5, 6, 7}));
        fx.tickUntil("the backup's end", 60, () -> job.finishedProperty().get());
        assertThat(job.outcomeProperty().get().error()).isNull();
        assertThat(job.stateProperty().get()).isEqualTo("completed");
        assertThat(job.disks()).allSatisfy(d -> assertThat(d.fractionProperty().get()).isEqualTo(1.0));
        fx.tickUntil("the final cluster map", 20, () -> {
            MapFrame f = job.mapFrameProperty().get();
            return f != null && f.copied() == f.clusters();
        });
        MapFrame f = job.mapFrameProperty().get();
        assertThat(f.total(ClusterState.TO_COPY) + f.total(ClusterState.HELD) + f.total(ClusterState.IN_FLIGHT)).isZero();
        assertThat(fx.dc.storages().get("fast").volumes()).noneMatch(v -> v.id().name().kind() == VolumeKind.FLEECE);
        assertThat(fx.dc.guests().get(101).fleecing()).isEmpty();
        assertThat(new Archives(fx.dc).list(101)).singleElement().extracting(a -> {
            try {
                return a.state();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).isEqualTo(Archive.State.COMPLETE);
        vm.loadOnProperty().set(false);
        vm.stop();
        vm.close();
    }

    @Test
    void aGuestRunByAnotherShearProcessShowsRunningAndIsBackedUpThroughItsControlSocket() throws Exception {
        try (GuestRuntime other = GuestRuntime.start(fx.dc, 102, GuestRuntime.Options.defaults())) {
            GuestViewModel vm = new GuestViewModel(fx.ctx, 102);
            GuestState state = vm.detailsProperty().get().state();
            assertThat(state).isInstanceOf(GuestState.RunningElsewhere.class);
            assertThat(state.exports()).isEqualTo(other.exports());
            assertThat(vm.disks()).singleElement().extracting(r -> r.uri()).isEqualTo(other.exports().get("scsi0"));
            fx.dialogs.formScript = f -> ((BackupDialogViewModel) f).fleecingProperty().set(true);
            vm.backupNow();
            LiveBackup live = fx.ctx.liveBackups().getFirst();
            LiveJobViewModel job = fx.ctx.liveModel(live);
            fx.tickUntil("the remote backup's end", 60, () -> job.finishedProperty().get());
            assertThat(live.isLocal()).isFalse();
            assertThat(job.outcomeProperty().get().error()).isNull();
            assertThat(job.stateProperty().get()).isEqualTo("completed");
            assertThat(job.disks()).singleElement().satisfies(d -> assertThat(d.fractionProperty().get()).isEqualTo(1.0));
            assertThat(job.log()).anyMatch(l -> l.contains("starting backup of guest 102"));
            assertThat(new Archives(fx.dc).list(102)).hasSize(1);
            vm.close();
        }
    }

    @Test
    void stoppingIsRefusedWhileABackupStartedHereRuns() throws Exception {
        GuestViewModel vm = new GuestViewModel(fx.ctx, 101);
        vm.start();
        fx.dialogs.formScript = f -> ((BackupDialogViewModel) f).bwlimit().setText("64K");
        vm.backupNow();
        LiveBackup live = fx.ctx.liveBackups().getFirst();
        vm.stop();
        assertThat(fx.dialogs.of("error")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .contains("still running");
        assertThat(fx.ctx.host().hosted(101)).isPresent();
        live.cancel();
        LiveJobViewModel job = fx.ctx.liveModel(live);
        fx.tickUntil("the cancel", 30, () -> job.finishedProperty().get());
        assertThat(job.stateProperty().get()).isEqualTo("cancelled");
        assertThat(new Archives(fx.dc).list(101)).isEmpty();
        vm.stop();
        vm.close();
    }
}
