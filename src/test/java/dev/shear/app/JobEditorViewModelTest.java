package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.backup.StorageChoice;
import dev.shear.app.backup.StorageChoices;
import dev.shear.app.jobs.JobEditorViewModel;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.jobs.BackupJobConfig;
import dev.shear.datacenter.jobs.GuestSelection;
import dev.shear.datacenter.jobs.Schedule;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.testing.SteppedClock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobEditorViewModelTest {
    private static final StorageChoice BACKUP = new StorageChoice("backup", new Capabilities(true, true), 1L << 30);
    private static final StorageChoice FAST = new StorageChoice("fast", new Capabilities(true, true), 1L << 30);
    private static final StorageChoices.Offer OFFER = new StorageChoices.Offer(List.of(BACKUP), List.of(FAST));
    private static final SteppedClock CLOCK = new SteppedClock(Instant.parse("2025-01-01T10:00:00Z"), ZoneOffset.UTC);

    private static JobEditorViewModel newJob() {
        return new JobEditorViewModel(null, Set.of("taken"), Set.of(100, 101), OFFER, CLOCK);
    }

    @Test
    void theScheduleShowsItsNextThreeRunsAndAnErrorBlocksOk() {
        JobEditorViewModel vm = newJob();
        vm.id().setText("nightly");
        assertThat(vm.validProperty().get()).isTrue();
        vm.schedule().setText("mon..fri 02:30");
        assertThat(vm.nextRunsProperty().get())
                .isEqualTo("next: 2025-01-02 02:30:00, 2025-01-03 02:30:00, 2025-01-06 02:30:00");
        vm.schedule().setText("25:00");
        assertThat(vm.schedule().errorProperty().get()).isEqualTo("'25:00' is not a time (HH:MM): hour 25 is not in 0..23");
        assertThat(vm.nextRunsProperty().get()).isEmpty();
        assertThat(vm.validProperty().get()).isFalse();
    }

    @Test
    void theChecklistAndTheGuestIdTextEditEachOther() {
        JobEditorViewModel vm = new JobEditorViewModel(null, Set.of(), Set.of(102, 100, 101), OFFER, CLOCK);
        assertThat(vm.guestChoices()).containsExactly(100, 101, 102);
        vm.allGuestsProperty().set(false);
        vm.setChosen(101, true);
        assertThat(vm.guests().text()).isEqualTo("101");
        vm.setChosen(100, true);
        assertThat(vm.guests().text()).isEqualTo("100,101");
        vm.setChosen(100, true);
        assertThat(vm.guests().text()).isEqualTo("100,101");
        vm.setChosen(101, false);
        assertThat(vm.guests().text()).isEqualTo("100");
        vm.guests().setText(" 102, x ,100");
        assertThat(vm.chosenIds()).containsExactly(100, 102);
        assertThat(vm.guests().errorProperty().get()).contains("'x' is not a guest id");
        vm.setChosen(101, true);                       // the checklist's edit drops what is not an id
        assertThat(vm.guests().text()).isEqualTo("100,101,102");
        assertThat(vm.guests().errorProperty().get()).isEmpty();
    }

    @Test
    void everyBadFieldIsExplainedAndBlocksOk() {
        JobEditorViewModel vm = newJob();
        assertThat(vm.id().errorProperty().get()).isEqualTo("a job needs an id, e.g. nightly");
        vm.id().setText("taken");
        assertThat(vm.id().errorProperty().get()).isEqualTo("backup job 'taken' already exists");
        vm.id().setText("ok");
        assertThat(vm.validProperty().get()).isTrue();
        vm.allGuestsProperty().set(false);
        assertThat(vm.guests().errorProperty().get()).contains("a job needs guests");
        vm.guests().setText("100,999");
        assertThat(vm.guests().errorProperty().get()).isEqualTo("guest 999 does not exist");
        vm.guests().setText("100");
        vm.retention().setText("keep-last=0");
        assertThat(vm.retention().errorProperty().get()).contains("prune needs at least one");
        vm.retention().setText("keep-last=2");
        vm.options().minClusterSize().setText("3K");
        assertThat(vm.validProperty().get()).isFalse();
        vm.options().minClusterSize().setText("4M");
        assertThat(vm.validProperty().get()).isTrue();
        BackupJobConfig c = vm.result();
        assertThat(c.guests()).isEqualTo(GuestSelection.of(List.of(100)));
        assertThat(c.prune()).isEqualTo(KeepOptions.last(2));
        assertThat(c.performance()).isEqualTo("max-workers=16,max-chunk=0,min-cluster-size=4M");
    }

    @Test
    void editingAJobShowsItsValuesAndGivesItBackUnchanged() {
        BackupJobConfig job = BackupJobConfig.of("nightly", false, Schedule.parse("sat 03:00"),
                GuestSelection.of(List.of(101)), new BackupRequest(100, "backup", true, new FleecingOption(true, "fast"),
                        null, 1 << 20, false, OnCbwError.BREAK_GUEST_WRITE, 30L), KeepOptions.parse("keep-daily=7"),
                "weekend");
        JobEditorViewModel vm = new JobEditorViewModel(job, Set.of("nightly"), Set.of(100, 101), OFFER, CLOCK);
        assertThat(vm.id().errorProperty().get()).isEmpty();
        assertThat(vm.validProperty().get()).isTrue();
        assertThat(vm.title()).isEqualTo("Edit backup job nightly");
        assertThat(vm.result()).isEqualTo(job);
    }
}
