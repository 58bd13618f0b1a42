package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.storage.FleecingImageRow;
import dev.shear.block.NativeFile;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.demo.Demo;
import dev.shear.util.Sizes;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import dev.shear.app.main.NavItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleCleanupUiTest extends AppUiTest {
    @TempDir
    Path dir;

    @Test
    void aStaleFleecingImageIsShownAsStaleAndOneClickPlusTheConfirmationRemovesIt() throws Exception {
        Path root = dir.resolve("shear");
        Datacenter dc = Datacenter.open(root);
        Demo.create(dc, Demo.Size.SMALL, line -> { });
        Path image = StaleState.leave(dc, 101, "fast", 1 << 20);
        long bytes;
        try (NativeFile f = NativeFile.open(image, false)) {
            bytes = f.allocatedBytes();
        }
        launch(root);
        open("#nav-storage-fast", new NavItem.Storage("fast"));
        waitUntil("the storage view", 10, () -> showing("#fleecing-images"));
        @SuppressWarnings("unchecked")
        TableView<FleecingImageRow> images = lookup("#fleecing-images").queryAs(TableView.class);
        waitUntil("the stale image", 10, () -> images.getItems().size() == 1);
        assertThat(images.getItems().getFirst().state()).isEqualTo(FleecingImageRow.State.STALE);
        assertThat(images.getItems().getFirst().volume()).isEqualTo("fast:vm-101-fleece-0.qcow2");
        waitUntil("the cleanup button", 10, () -> !lookup("#cleanup-stale").queryButton().isDisabled());

        clickOn("#cleanup-stale");
        waitUntil("the confirmation", 10, () -> showing("#confirm-details"));
        assertThat(lookup("#confirm-details").queryAs(TextArea.class).getText())
                .contains("fleecing image fast:vm-101-fleece-0.qcow2 (" + Sizes.format(bytes) + ")")
                .contains("stale lock guest 101's backup lock");
        assertThat(Files.exists(image)).isTrue();
        clickOn("#confirm-ok");

        waitUntil("the report", 20, () -> showing("#dialog-message"));
        assertThat(lookup("#dialog-message").queryAs(Label.class).getText())
                .isEqualTo("Removed 2 item(s) and freed " + Sizes.format(bytes) + ".");
        assertThat(Files.exists(image)).isFalse();
        assertThat(context().dc().guests().get(101).fleecing()).isEmpty();
        assertThat(context().dc().guests().get(101).lock()).isNull();
        clickOn("OK");
        waitUntil("the table to empty", 10, () -> images.getItems().isEmpty());
    }
}
