package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.main.GuestSummary;
import dev.shear.app.main.NavItem;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirstStartUiTest extends AppUiTest {
    @TempDir
    Path dir;

    @Test
    void theFirstStartCreatesTheDemoAndShowsItsGuestsAndStorages() throws Exception {
        Path root = dir.resolve("shear");
        launch(root);
        waitUntil("the demo in the tree", 30, () -> showing("#nav-guest-102") && showing("#nav-storage-local"));
        assertThat(text("#nav-guest-100")).isEqualTo("100 (web)");
        assertThat(text("#nav-guest-101")).isEqualTo("101 (db)");
        assertThat(text("#nav-guest-102")).isEqualTo("102 (files)");
        assertThat(text("#nav-storage-local")).isEqualTo("local");
        assertThat(text("#nav-storage-fast")).isEqualTo("fast");
        assertThat(text("#nav-storage-backup")).isEqualTo("backup");
        TableView<?> guests = lookup("#overview-guests").queryAs(TableView.class);
        assertThat(guests.getItems()).extracting(g -> ((GuestSummary) g).name()).containsExactly("web", "db", "files");
        assertThat(lookup("#overview-storages").queryAs(TableView.class).getItems()).hasSize(3);
        assertThat(Files.isDirectory(root.resolve("demo/fast"))).isTrue();
        assertThat(context().dc().guests().get(101).disks()).hasSize(2);
    }

    @Test
    void theTreeIsUsableWithTheKeyboard() throws Exception {
        launch(dir.resolve("shear"));
        clickOn("#nav-datacenter");
        type(KeyCode.DOWN);
        waitUntil("Storages selected", 10, () -> app.model().selectedProperty().get().equals(new NavItem.Storages()));
        type(KeyCode.DOWN, 5);
        waitUntil("guest 100 selected", 10, () -> app.model().selectedProperty().get().equals(new NavItem.Guest(100)));
        waitUntil("the guest view", 10, () -> showing("#guest-start"));
    }
}
