package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.clustermap.ClusterMapControl;
import dev.shear.app.clustermap.ClusterState;
import dev.shear.app.clustermap.MapFrame;
import dev.shear.app.storage.FleecingImageRow;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.archive.ArchiveSummary;
import java.nio.file.Path;
import java.util.Locale;
import javafx.scene.control.ComboBox;
import javafx.scene.control.TableView;
import dev.shear.app.main.NavItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveFleecingBackupUiTest extends AppUiTest {
    @TempDir
    Path dir;

    @Test
    void aFleecingBackupOfADemoGuestUnderLoadRunsToCompletion() throws Exception {
        launch(dir.resolve("shear"));
        open("#nav-guest-101", new NavItem.Guest(101));
        waitUntil("the guest view", 10, () -> showing("#guest-start") && !lookup("#guest-start").queryButton().isDisabled());
        clickOn("#guest-start");
        waitUntil("the guest to run", 20, () -> context().host().hosted(101).isPresent()
                && !lookup("#guest-load").query().isDisabled());
        clickOn("#guest-load");
        waitUntil("the guest load", 20, () -> context().loads().get(101).isPresent());
        waitUntil("guest writes", 30, () -> context().loads().get(101).get().stats().writesPerSecond() > 0);

        clickOn("#guest-backup");
        waitUntil("the backup dialog", 20, () -> showing("#backup-fleecing"));
        clickOn("#backup-fleecing");
        @SuppressWarnings("unchecked")
        ComboBox<Object> fleecingStorage = lookup("#backup-fleecing-storage").queryAs(ComboBox.class);
        assertThat(fleecingStorage.isDisabled()).isFalse();
        assertThat(fleecingStorage.getValue().toString()).startsWith("fast");
        clickOn("#form-ok");

        waitUntil("the live view", 20, () -> showing("#job-state"));
        waitUntil("the backup's end", 90, () -> !context().liveBackups().isEmpty()
                && context().liveBackups().getFirst().isFinished());
        waitUntil("completed", 10, () -> text("#job-state").equals("completed"));
        assertThat(text("#percent-scsi0")).isEqualTo("100 %");
        assertThat(text("#percent-scsi1")).isEqualTo("100 %");
        ClusterMapControl map = lookup("#cluster-map").queryAs(ClusterMapControl.class);
        waitUntil("the final cluster map", 20, () -> map.getFrame() != null && map.getFrame().copied() == map.getFrame().clusters());
        MapFrame f = map.getFrame();
        assertThat(f.total(ClusterState.TO_COPY) + f.total(ClusterState.IN_FLIGHT) + f.total(ClusterState.HELD)).isZero();
        assertThat(text("#map-summary"))
                .startsWith(String.format(Locale.ROOT, "%,d of %,d clusters", f.clusters(), f.clusters())).endsWith("(100 %)");

        context().loads().stop(101);
        open("#nav-storage-fast", new NavItem.Storage("fast"));
        waitUntil("the storage view", 10, () -> showing("#fleecing-images"));
        @SuppressWarnings("unchecked")
        TableView<FleecingImageRow> images = lookup("#fleecing-images").queryAs(TableView.class);
        waitUntil("the storage's fleecing images", 10, () -> context().dc().storages().get("fast").volumes().stream()
                .noneMatch(v -> v.id().name().kind() == VolumeKind.FLEECE) && images.getItems().isEmpty());

        open("#nav-backups", new NavItem.Backups());
        waitUntil("the archive in Backups", 10, () -> showing("#backups-table")
                && lookup("#backups-table").queryAs(TableView.class).getItems().size() == 1);
        ArchiveSummary row = (ArchiveSummary) lookup("#backups-table").queryAs(TableView.class).getItems().getFirst();
        assertThat(row.vmid()).isEqualTo(101);
        assertThat(row.stateText()).isEqualTo("complete");
        assertThat(row.mode()).isEqualTo("full");
        assertThat(row.id()).isEqualTo(context().liveModel(context().liveBackups().getFirst()).outcomeProperty().get()
                .archive());
    }
}
