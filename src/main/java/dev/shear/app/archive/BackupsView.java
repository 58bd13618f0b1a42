package dev.shear.app.archive;

import dev.shear.app.common.Formats;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.View;
import java.time.format.DateTimeFormatter;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/// Every backup archive per guest with size, mode, time and verified state.
public final class BackupsView implements View {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private final BackupsViewModel vm;
    private final VBox root;

    public BackupsView(BackupsViewModel vm) {
        this.vm = vm;
        TableView<ArchiveRow> t = new TableView<>(vm.archives());
        t.setId("backups-table");
        t.getColumns().add(col("Guest", 90, r -> r.vmid() + (r.guestName().isEmpty() ? "" : " (" + r.guestName() + ")")));
        t.getColumns().add(col("Time", 160, r -> TIME.format(r.time())));
        t.getColumns().add(col("Mode", 100, ArchiveRow::mode));
        t.getColumns().add(col("Size", 100, r -> Formats.bytes(r.sizeOnDisk())));
        t.getColumns().add(badges("State", 110, ArchiveRow::state));
        t.getColumns().add(badges("Verified", 90, ArchiveRow::verified));
        t.getColumns().add(col("Archive", 380, ArchiveRow::id));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.setPlaceholder(Ui.hint("No backups yet: open a guest and click Backup now."));
        t.getSelectionModel().selectedItemProperty().addListener((o, a, r) -> vm.selectedProperty().set(r));
        VBox.setVgrow(t, Priority.ALWAYS);
        Label problem = Ui.styled(new Label(), Styles.FIELD_ERROR);
        problem.textProperty().bind(vm.problemProperty());
        root = Ui.page(Ui.title("Backups"), Ui.subtitle("Archives on every backup storage, newest first."), problem, t);
    }

    private static TableColumn<ArchiveRow, String> col(String name, double w, Function<ArchiveRow, String> f) {
        TableColumn<ArchiveRow, String> c = new TableColumn<>(name);
        c.setPrefWidth(w);
        c.setCellValueFactory(x -> new ReadOnlyStringWrapper(f.apply(x.getValue())));
        return c;
    }

    private static TableColumn<ArchiveRow, String> badges(String name, double w, Function<ArchiveRow, String> f) {
        TableColumn<ArchiveRow, String> c = col(name, w, f);
        c.setCellFactory(x -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setGraphic(empty || s == null ? null : Ui.badge(s));
            }
        });
        return c;
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
