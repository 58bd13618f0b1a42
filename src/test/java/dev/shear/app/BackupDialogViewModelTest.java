package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.backup.BackupDialogViewModel;
import dev.shear.app.backup.StorageChoice;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.vzdump.BackupRequest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackupDialogViewModelTest {
    private static final StorageChoice BACKUP = new StorageChoice("backup", new Capabilities(true, true), 1L << 30);
    private static final StorageChoice LOCAL = new StorageChoice("local", new Capabilities(true, true), 1L << 30);
    private static final StorageChoice FAST = new StorageChoice("fast", new Capabilities(true, true), 1L << 30);
    private static final StorageChoice THICK = new StorageChoice("thick", new Capabilities(false, true), 1L << 30);

    private static BackupDialogViewModel dialog() {
        return new BackupDialogViewModel(101, "db", List.of(BACKUP), List.of(LOCAL, FAST), Set.of("local"));
    }

    @Test
    void minClusterSizeThreeKIsRejectedWithTheEnginesMessageAndFourMIsAccepted() {
        BackupDialogViewModel vm = dialog();
        vm.minClusterSize().setText("3K");
        assertThat(vm.minClusterSize().errorProperty().get())
                .isEqualTo("min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not 3K");
        assertThat(vm.validProperty().get()).isFalse();
        vm.minClusterSize().setText("4M");
        assertThat(vm.minClusterSize().errorProperty().get()).isEmpty();
        assertThat(vm.validProperty().get()).isTrue();
        assertThat(vm.result().perf().minClusterSize()).isEqualTo(4L << 20);
    }

    @Test
    void defaultsAreVzdumpsAndGiveTheDefaultRequest() {
        BackupDialogViewModel vm = dialog();
        assertThat(vm.validProperty().get()).isTrue();
        assertThat(vm.maxWorkers().text()).isEqualTo("16");
        assertThat(vm.result()).isEqualTo(BackupRequest.of(101, "backup"));
    }

    @Test
    void fleecingPreselectsAThinDiscardingStorageApartFromTheGuestsDisks() {
        BackupDialogViewModel vm = dialog();
        assertThat(vm.fleecingStorageProperty().get()).isEqualTo(FAST);
        vm.fleecingProperty().set(true);
        BackupRequest r = vm.result();
        assertThat(r.fleecing().enabled()).isTrue();
        assertThat(r.fleecing().storage()).isEqualTo("fast");
        assertThat(vm.discardDefault().get()).contains("on with fleecing");
        assertThat(vm.cbwErrorDefault().get()).contains("break-snapshot");
    }

    @Test
    void aThickFleecingStorageGetsAWarningButIsAllowed() {
        BackupDialogViewModel vm = new BackupDialogViewModel(101, "db", List.of(BACKUP), List.of(THICK), Set.of("local"));
        vm.fleecingProperty().set(true);
        assertThat(vm.fleecingWarning().get()).contains("'thick' is not thin-provisioned");
        assertThat(vm.validProperty().get()).isTrue();
    }

    @Test
    void badWorkersChunkBandwidthAndTimeoutAreExplainedPerField() {
        BackupDialogViewModel vm = dialog();
        vm.maxWorkers().setText("0");
        vm.maxChunk().setText("lots");
        vm.bwlimit().setText("-5");
        vm.cbwTimeout().setText("soon");
        vm.writeBehind().setText("2G");
        assertThat(vm.maxWorkers().errorProperty().get()).isEqualTo("max-workers must be between 1 and 256, not 0");
        assertThat(vm.maxChunk().errorProperty().get()).isEqualTo("max-chunk: 'lots' is not a size (use e.g. 512, 64K, 4M, 1G)");
        assertThat(vm.bwlimit().errorProperty().get()).startsWith("bandwidth limit: ");
        assertThat(vm.cbwTimeout().errorProperty().get()).isEqualTo("cbw-timeout must be a whole number of seconds, not 'soon'");
        assertThat(vm.writeBehind().errorProperty().get()).isEqualTo("cbw-write-behind must be between 0 and 1G, not 2G");
        assertThat(vm.validProperty().get()).isFalse();
        vm.maxWorkers().setText("abc");
        assertThat(vm.maxWorkers().errorProperty().get()).isEqualTo("max-workers must be a whole number, not 'abc'");
    }

    @Test
    void discardSourceWithoutFleecingBlocksOkWithTheEnginesReason() {
        BackupDialogViewModel vm = dialog();
        vm.discardSourceProperty().set(BackupDialogViewModel.Setting.ON);
        assertThat(vm.validProperty().get()).isFalse();
        assertThat(vm.formErrorProperty().get()).contains("needs fleecing");
        vm.fleecingProperty().set(true);
        assertThat(vm.validProperty().get()).isTrue();
        assertThat(vm.formErrorProperty().get()).isEmpty();
    }

    @Test
    void explicitOptionsReachTheRequest() {
        BackupDialogViewModel vm = dialog();
        vm.fleecingProperty().set(true);
        vm.modeProperty().set(BackupDialogViewModel.Mode.INCREMENTAL);
        vm.maxWorkers().setText("4");
        vm.maxChunk().setText("8M");
        vm.bwlimit().setText("100M");
        vm.discardSourceProperty().set(BackupDialogViewModel.Setting.OFF);
        vm.onCbwErrorProperty().set(BackupDialogViewModel.CbwPolicy.BREAK_GUEST_WRITE);
        vm.cbwTimeout().setText("30s");
        BackupRequest r = vm.result();
        assertThat(r.incremental()).isTrue();
        assertThat(r.perf().maxWorkers()).isEqualTo(4);
        assertThat(r.perf().maxChunk()).isEqualTo(8L << 20);
        assertThat(r.bwlimit()).isEqualTo(100L << 20);
        assertThat(r.discardSource()).isFalse();
        assertThat(r.onCbwError()).isEqualTo(OnCbwError.BREAK_GUEST_WRITE);
        assertThat(r.cbwTimeout()).isEqualTo(30L);
        assertThat(r.writeBehind()).as("default").isNull();
    }

    @Test
    void writeBehindReachesTheRequestAndNeedsFleecingUnderBreakSnapshot() {
        BackupDialogViewModel vm = dialog();
        assertThat(vm.writeBehindDefault().get()).isEqualTo("needs fleecing and break-snapshot; empty = off");
        vm.writeBehind().setText("8M");
        assertThat(vm.validProperty().get()).isFalse();
        assertThat(vm.formErrorProperty().get()).contains("--cbw-write-behind needs fleecing");
        vm.fleecingProperty().set(true);
        assertThat(vm.writeBehindDefault().get()).startsWith("empty = default 32M per disk");
        assertThat(vm.result().writeBehind()).isEqualTo(8L << 20);
        vm.onCbwErrorProperty().set(BackupDialogViewModel.CbwPolicy.BREAK_GUEST_WRITE);
        assertThat(vm.formErrorProperty().get()).contains("needs on-cbw-error=break-snapshot");
        vm.writeBehind().setText("0");
        assertThat(vm.result().writeBehind()).isZero();
        vm.load(vm.result().withPerf(new dev.shear.backup.Perf(2, 0, 0)));
        assertThat(vm.writeBehind().text()).as("loaded back").isEqualTo("0");
    }

    @Test
    void withoutABackupStorageTheFormSaysWhatToDo() {
        BackupDialogViewModel vm = new BackupDialogViewModel(101, "db", List.of(), List.of(FAST), Set.of("local"));
        assertThat(vm.validProperty().get()).isFalse();
        assertThat(vm.formErrorProperty().get()).contains("add a storage with content 'backup'");
    }
}
