package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.archive.BackupsViewModel;
import dev.shear.app.archive.PruneDialogViewModel;
import dev.shear.app.archive.RestoreDialogViewModel;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupService;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackupsViewModelTest extends EngineTest {
    private String backup(int vmid) throws Exception {
        BackupOutcome o = new BackupService(fx.dc).start(BackupRequest.of(vmid, "backup"), null, e -> { }).await();
        assertThat(o.error()).isNull();
        return o.archive();
    }

    @Test
    void verifyRecordsAndReportsTheResult() throws Exception {
        String id = backup(100);
        BackupsViewModel vm = new BackupsViewModel(fx.ctx);
        assertThat(vm.archives()).singleElement().satisfies(a -> {
            assertThat(a.id()).isEqualTo(id);
            assertThat(a.verified()).isEqualTo("never");
            assertThat(a.mode()).isEqualTo("full");
        });
        vm.selectedProperty().set(vm.archives().getFirst());
        vm.verify();
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .startsWith("Every disk of " + id + " matches the SHA-256");
        assertThat(vm.archives().getFirst().verified()).isEqualTo("ok");
        assertThat(vm.busyProperty().get()).isFalse();
        vm.close();
    }

    @Test
    void restoreGoesToTheNewGuestIdTheDialogOffers() throws Exception {
        String id = backup(101);
        BackupsViewModel vm = new BackupsViewModel(fx.ctx);
        vm.selectedProperty().set(vm.archives().getFirst());
        vm.restore();
        RestoreDialogViewModel form = (RestoreDialogViewModel) fx.dialogs.lastForm;
        assertThat(form.vmid().text()).isEqualTo("103");
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .startsWith(id + " is guest 103 now");
        assertThat(fx.dc.guests().get(103).disks()).hasSize(2);
        vm.close();
    }

    @Test
    void theRestoreDialogRefusesAnIdInUse() {
        RestoreDialogViewModel form = new RestoreDialogViewModel("backup:x", Set.of(100, 101, 102), List.of("local"));
        form.vmid().setText("101");
        assertThat(form.vmid().errorProperty().get()).isEqualTo("guest 101 exists; restore to a new id (e.g. 103)");
        assertThat(form.validProperty().get()).isFalse();
        form.vmid().setText("99");
        assertThat(form.vmid().errorProperty().get()).isEqualTo("guest id 99 is outside 100…999999999");
        form.vmid().setText("250");
        form.storageProperty().set("local");
        assertThat(form.result()).isEqualTo(new RestoreDialogViewModel.Choice(250, "local"));
    }

    @Test
    void pruneShowsWhatGoesAndRemovesIt() throws Exception {
        String older = backup(102);
        Thread.sleep(1100);
        String newer = backup(102);
        BackupsViewModel vm = new BackupsViewModel(fx.ctx);
        vm.selectedProperty().set(vm.archives().getFirst());
        fx.dialogs.formScript = f -> {
            PruneDialogViewModel p = (PruneDialogViewModel) f;
            p.counts().getFirst().setText("1");
        };
        vm.prune();
        assertThat(fx.dialogs.of("confirm")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .contains("Remove 1 of 2 backup(s) of guest 102 on 'backup' (keep-last=1)?")
                .contains("remove  " + older.substring("backup:".length()))
                .contains("keep    " + newer.substring("backup:".length()));
        assertThat(fx.dialogs.of("info")).singleElement().extracting(ScriptedDialogs.Shown::text).asString()
                .startsWith("Removed 1 backup(s) and freed ");
        assertThat(vm.archives()).extracting(a -> a.id()).containsExactly(newer);
        vm.close();
    }

    @Test
    void pruneNeedsSomeRule() {
        PruneDialogViewModel p = new PruneDialogViewModel(100, "backup");
        assertThat(p.validProperty().get()).isTrue();
        p.counts().getFirst().setText("");
        assertThat(p.validProperty().get()).isFalse();
        assertThat(p.formErrorProperty().get()).contains("set a count above 0");
        p.counts().get(2).setText("x");
        assertThat(p.counts().get(2).errorProperty().get()).isEqualTo("a count must be a whole number, not 'x'");
    }
}
