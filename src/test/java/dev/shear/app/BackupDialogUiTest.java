package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.backup.LiveBackup;
import java.nio.file.Path;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import dev.shear.app.main.NavItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupDialogUiTest extends AppUiTest {
    @TempDir
    Path dir;


    @Test
    void minClusterSizeThreeKIsRejectedWithTheMessageAndFourMIsAccepted() throws Exception {
        launch(dir.resolve("shear"));
        open("#nav-guest-101", new NavItem.Guest(101));
        waitUntil("the guest view", 10, () -> showing("#guest-backup") && !lookup("#guest-backup").queryButton().isDisabled());
        clickOn("#guest-backup");
        waitUntil("the backup dialog", 20, () -> showing("#backup-min-cluster-size"));
        Button ok = lookup("#form-ok").queryButton();
        assertThat(ok.isDisabled()).isFalse();

        typeInto("#backup-min-cluster-size", "3K");
        waitUntil("the inline error", 5, () -> showing("#backup-min-cluster-size-error"));
        assertThat(lookup("#backup-min-cluster-size-error").queryAs(Label.class).getText())
                .isEqualTo("min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not 3K");
        assertThat(ok.isDisabled()).isTrue();

        typeInto("#backup-min-cluster-size", "4M");
        waitUntil("the error to go", 5, () -> !showing("#backup-min-cluster-size-error"));
        assertThat(ok.isDisabled()).isFalse();

        // write-behind needs fleecing, which this dialog has off: the form says so and refuses
        typeInto("#backup-cbw-write-behind", "8M");
        waitUntil("the form error", 5, () -> text("#backup-form-error").contains("--cbw-write-behind needs fleecing"));
        assertThat(ok.isDisabled()).isTrue();
        Screenshots.save("screenshot-backup-dialog.png");
        typeInto("#backup-cbw-write-behind", "0");
        waitUntil("the form error to go", 5, () -> text("#backup-form-error").isEmpty());
        assertThat(ok.isDisabled()).isFalse();
        clickOn("#form-ok");

        waitUntil("the backup to start", 20, () -> context().liveBackups().size() == 1);
        LiveBackup live = context().liveBackups().getFirst();
        assertThat(live.request().perf().minClusterSize()).isEqualTo(4L << 20);
        assertThat(live.request().writeBehind()).isEqualTo(0L);
        waitUntil("the live view", 10, () -> showing("#job-state"));
        waitUntil("the backup's end", 60, live::isFinished);
        waitUntil("completed", 10, () -> text("#job-state").equals("completed"));
    }
}
