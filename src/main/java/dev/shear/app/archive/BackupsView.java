package dev.shear.app.archive;

import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.View;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/// Every backup archive per guest with size, mode, time and verified state.
public final class BackupsView implements View {
    private final BackupsViewModel vm;
    private final VBox root;

    public BackupsView(BackupsViewModel vm) {
        this.vm = vm;
        TableView<ArchiveRow> t = ArchiveTable.of(vm.archives(), true);
        t.setId("backups-table");
        t.getSelectionModel().selectedItemProperty().addListener((o, a, r) -> vm.selectedProperty().set(r));
        VBox.setVgrow(t, Priority.ALWAYS);
        Label problem = Ui.problem(vm.problemProperty());
        root = Ui.page(Ui.title("Backups"), Ui.subtitle("Archives on every backup storage, newest first."), problem, t);
    }

    @Override
    public Node root() {
        return root;
    }

    @Override
    public void dispose() {
        vm.close();
    }
}
