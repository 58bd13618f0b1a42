package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.storage.FleecingImageRow;
import dev.shear.app.storage.StorageViewModel;
import dev.shear.block.ImageFormat;
import dev.shear.block.NativeFile;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.VolumeName;
import dev.shear.util.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorageViewModelTest extends EngineTest {
    @Test
    void aFleecingImageLeftByAKilledBackupIsStaleAndOneConfirmationRemovesItReportingTheBytes() throws Exception {
        Path image = StaleState.leave(fx.dc, 101, "fast", 1 << 20);
        long bytes;
        try (NativeFile f = NativeFile.open(image, false)) {
            bytes = f.allocatedBytes();
        }
        StorageViewModel vm = new StorageViewModel(fx.ctx, "fast");
        assertThat(vm.fleecing()).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(FleecingImageRow.State.STALE);
            assertThat(r.vmid()).isEqualTo(101);
            assertThat(r.bytes()).isEqualTo(bytes);
        });
        vm.cleanUp();
        var confirm = fx.dialogs.of("confirm");
        assertThat(confirm).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .contains("fast:vm-101-fleece-0.qcow2 (" + Sizes.format(bytes) + ")")
                .contains("guest 101's backup lock")
                .contains("free " + Sizes.format(bytes));
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text)
                .isEqualTo("Removed 2 item(s) and freed " + Sizes.format(bytes) + ".");
        assertThat(Files.exists(image)).isFalse();
        assertThat(fx.dc.guests().get(101).fleecing()).isEmpty();
        assertThat(fx.dc.guests().get(101).lock()).isNull();
        assertThat(vm.fleecing()).isEmpty();
        vm.close();
    }

    @Test
    void sayingNoChangesNothing() throws Exception {
        Path image = StaleState.leave(fx.dc, 100, "fast", 4096);
        fx.dialogs.confirmAnswer = false;
        StorageViewModel vm = new StorageViewModel(fx.ctx, "fast");
        vm.cleanUp();
        assertThat(fx.dialogs.of("confirm")).hasSize(1);
        assertThat(fx.dialogs.of("info")).isEmpty();
        assertThat(Files.exists(image)).isTrue();
        assertThat(fx.dc.guests().get(100).fleecing()).hasSize(1);
        assertThat(vm.busyProperty().get()).isFalse();
        vm.close();
    }

    @Test
    void anImageOfARunningBackupIsInUseAndNeverOffered() throws Exception {
        VolumeName name = VolumeName.of(102, VolumeKind.FLEECE, 0, ImageFormat.QCOW2);
        fx.dc.storages().get("fast").allocate(name, 1 << 20);
        fx.dc.guests().update(102, c -> c.withLock(GuestLock.held(GuestLock.BACKUP))
                .withFleecing(List.of(new VolumeId("fast", name))));
        StorageViewModel vm = new StorageViewModel(fx.ctx, "fast");
        assertThat(vm.fleecing()).singleElement().extracting(FleecingImageRow::state)
                .isEqualTo(FleecingImageRow.State.IN_USE);
        assertThat(vm.detailsProperty().get().hasStale()).isFalse();
        vm.cleanUp();
        assertThat(fx.dialogs.of("confirm")).isEmpty();
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .contains("no stale fleecing images").contains("in use");
        assertThat(fx.dc.storages().get("fast").exists(name)).isTrue();
        vm.close();
    }

    @Test
    void anUnrecordedImageIsAnOrphan() throws Exception {
        VolumeName name = VolumeName.of(100, VolumeKind.FLEECE, 3, ImageFormat.RAW);
        fx.dc.storages().get("fast").allocate(name, 1 << 20);
        StorageViewModel vm = new StorageViewModel(fx.ctx, "fast");
        assertThat(vm.fleecing()).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(FleecingImageRow.State.ORPHAN);
            assertThat(r.why()).isEqualTo("no guest records it (guest 100 does not)");
        });
        vm.cleanUp();
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .startsWith("Removed 1 item(s)");
        assertThat(fx.dc.storages().get("fast").exists(name)).isFalse();
        vm.close();
    }

    @Test
    void capacityAndVolumesOfTheDiskStorage() throws Exception {
        StorageViewModel vm = new StorageViewModel(fx.ctx, "local");
        var d = vm.detailsProperty().get();
        assertThat(d.space().total()).isPositive();
        assertThat(vm.volumes()).extracting(v -> v.id().toString()).containsExactly("local:vm-100-disk-0.raw",
                "local:vm-101-disk-0.raw", "local:vm-101-disk-1.raw", "local:vm-102-disk-0.raw");
        assertThat(vm.fleecing()).isEmpty();
        vm.close();
    }
}
