package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.jobs.JobsViewModel;
import dev.shear.app.main.NavItem;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.jobs.BackupJobConfig;
import dev.shear.datacenter.jobs.Jobs;
import java.nio.file.Path;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// The Backup jobs view and the scheduled-job editor, in the real app on the small demo.
class JobsUiTest extends AppUiTest {
    @TempDir
    Path dir;


    @Test
    void aJobMadeInTheEditorIsSavedListedAndRunsNow() throws Exception {
        launch(dir.resolve("shear"));
        open("#nav-jobs", new NavItem.Jobs());
        waitUntil("the jobs view", 10, () -> showing("#jobs-new"));
        waitUntil("the scheduler hint", 10, () -> text("#jobs-scheduler").equals(JobsViewModel.NO_SCHEDULER));
        clickOn("#jobs-new");
        waitUntil("the editor", 20, () -> lookup("#job-id").match(org.testfx.util.NodeQueryUtils.isVisible())
                .tryQuery().isPresent());
        Button ok = lookup("#form-ok").queryButton();
        assertThat(ok.isDisabled()).isTrue();
        typeInto("#job-id", "nightly");
        typeInto("#job-schedule", "25:00");
        waitUntil("the schedule's error", 5, () -> showing("#job-schedule-error") && lookup("#job-schedule-error")
                .queryAs(Label.class).getText().equals("'25:00' is not a time (HH:MM): hour 25 is not in 0..23"));
        assertThat(ok.isDisabled()).isTrue();
        typeInto("#job-schedule", "mon..fri 02:30");
        waitUntil("the next runs", 5, () -> text("#job-next-runs").matches("next: (.* 02:30:00, ){2}.* 02:30:00"));
        assertThat(ok.isDisabled()).isFalse();
        clickOn("#job-guests-chosen");
        javafx.scene.control.TextField ids = lookup("#job-guests").queryAs(javafx.scene.control.TextField.class);
        clickOn("#job-guest-101");
        clickOn("#job-guest-100");
        waitUntil("the checklist's ids in the text", 5, () -> ids.getText().equals("100,101"));
        clickOn("#job-guest-101");
        waitUntil("101 taken out again", 5, () -> ids.getText().equals("100"));
        typeInto("#job-guests", "101");
        waitUntil("the text's id checked", 5, () -> lookup("#job-guest-101").queryAs(javafx.scene.control.CheckBox.class)
                .isSelected() && !lookup("#job-guest-100").queryAs(javafx.scene.control.CheckBox.class).isSelected());
        typeInto("#job-guests", "100");
        typeInto("#job-retention", "keep-last=1");
        // the backup options lie further down the editor
        interact(() -> lookup("#job-editor").queryAs(javafx.scene.control.ScrollPane.class).setVvalue(1));
        typeInto("#backup-min-cluster-size", "3K");
        waitUntil("the option's error", 5, () -> text("#backup-min-cluster-size-error").endsWith("not 3K"));
        assertThat(ok.isDisabled()).isTrue();
        typeInto("#backup-min-cluster-size", "1M");
        waitUntil("OK", 5, () -> !ok.isDisabled());
        clickOn("#form-ok");

        Jobs jobs = new Jobs(context().dc());
        TableView<?> table = lookup("#jobs-table").queryTableView();
        waitUntil("the job in the table", 10, () -> table.getItems().size() == 1);
        BackupJobConfig saved = jobs.get("nightly");
        assertThat(saved.schedule().toString()).isEqualTo("mon..fri 02:30");
        assertThat(saved.guests().vmids()).containsExactly(100);
        assertThat(saved.performance()).endsWith("min-cluster-size=1M");

        waitUntil("the job's row drawn", 10, () -> lookup("nightly").tryQuery().isPresent());
        clickOn("nightly");
        clickOn("#jobs-run");
        waitUntil("the run's result", 60, () -> jobs.state("nightly").ok() != null);
        assertThat(jobs.state("nightly").ok()).as(jobs.state("nightly").error()).isTrue();
        assertThat(new Archives(context().dc()).list()).extracting(a -> a.name().vmid()).containsExactly(100);
        waitUntil("OK in the table", 10, () -> lookup("OK").tryQuery().isPresent());
        if (Boolean.getBoolean("shear.screenshots")) {
            Screenshots.save("screenshot-jobs.png");
            clickOn("#jobs-edit");
            waitUntil("the editor", 20, () -> showing("#job-schedule"));
            Screenshots.save("screenshot-job-editor.png");
        }
    }
}
