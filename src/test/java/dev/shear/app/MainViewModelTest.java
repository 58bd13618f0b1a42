package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.common.ManualFrames;
import dev.shear.app.common.SameThreadTaskExecutor;
import dev.shear.app.guest.RuntimeGuestHost;
import dev.shear.app.main.MainViewModel;
import dev.shear.app.main.NavItem;
import dev.shear.datacenter.DatacenterRoot;
import dev.shear.datacenter.demo.Demo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainViewModelTest {
    @TempDir
    Path dir;

    private MainViewModel model(Path root, ScriptedDialogs dialogs) {
        return new MainViewModel(new AppConfig(new DatacenterRoot(root, "test"), Demo.Size.SMALL, false),
                new SameThreadTaskExecutor(), dialogs, new ManualFrames(), RuntimeGuestHost::new);
    }

    @Test
    void theFirstStartCreatesTheDemoAndListsItsGuestsAndStorages() {
        try (MainViewModel vm = model(dir.resolve("dc"), new ScriptedDialogs())) {
            vm.open();
            assertThat(vm.phaseProperty().get()).isEqualTo(MainViewModel.Phase.READY);
            assertThat(vm.demoLog()).last().asString().startsWith("demo datacenter ready");
            assertThat(vm.guests()).extracting(g -> g.title()).containsExactly("100 (web)", "101 (db)", "102 (files)");
            assertThat(vm.guests()).allMatch(g -> g.state().word().equals("stopped"));
            assertThat(vm.storages()).extracting(s -> s.id()).containsExactly("backup", "fast", "local");
            assertThat(vm.storages()).allMatch(s -> s.space() != null && s.capabilities() != null);
            assertThat(vm.selectedProperty().get()).isEqualTo(new NavItem.Datacenter());
        }
    }

    @Test
    void aSecondStartKeepsTheDatacenterAsItIs() throws Exception {
        try (MainViewModel vm = model(dir, new ScriptedDialogs())) {
            vm.open();
            vm.context().dc().guests().destroy(102);
        }
        try (MainViewModel vm = model(dir, new ScriptedDialogs())) {
            vm.open();
            assertThat(vm.demoLog()).isEmpty();
            assertThat(vm.guests()).extracting(g -> g.vmid()).containsExactly(100, 101);
        }
    }

    @Test
    void aDirectoryThatIsNoDatacenterIsRefusedWithAReadableMessage() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "mine");
        try (MainViewModel vm = model(dir, new ScriptedDialogs())) {
            vm.open();
            assertThat(vm.phaseProperty().get()).isEqualTo(MainViewModel.Phase.FAILED);
            assertThat(vm.messageProperty().get()).contains("is not a Shear datacenter").contains("notes.txt")
                    .doesNotContain("Exception");
            assertThat(vm.context()).isNull();
        }
    }
}
