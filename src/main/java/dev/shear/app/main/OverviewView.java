package dev.shear.app.main;

import dev.shear.app.common.Formats;
import dev.shear.app.common.Ui;
import dev.shear.app.common.Tables;
import dev.shear.app.common.View;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.scene.Node;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.layout.VBox;

/// The Datacenter, Storages and Guests places: tables of storages (with a usage bar) and guests
/// (with their state); double-click or Enter opens one.
public final class OverviewView implements View {
    /// Which tables to show.
    public enum Part { ALL, STORAGES, GUESTS }

    private final VBox root;

    public OverviewView(MainViewModel vm, Part part) {
        root = Ui.page();
        switch (part) {
            case ALL -> {
                javafx.scene.control.Label sub = Ui.subtitle("");
                sub.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> vm.guests().size()
                        + " guests and " + vm.storages().size() + " storages in " + vm.context().dc().root().path(),
                        vm.guests(), vm.storages()));
                root.getChildren().addAll(Ui.title("Datacenter"), sub);
                root.getChildren().addAll(Ui.section("Guests"), guests(vm), Ui.section("Storages"), storages(vm));
            }
            case STORAGES -> root.getChildren().addAll(Ui.title("Storages"),
                    Ui.subtitle("Where disks, fleecing images and backups live."), storages(vm));
            case GUESTS -> root.getChildren().addAll(Ui.title("Guests"),
                    Ui.subtitle("Virtual machines: their disks are served over NBD while running."), guests(vm));
        }
    }

    private static TableView<StorageSummary> storages(MainViewModel vm) {
        TableView<StorageSummary> t = new TableView<>(vm.storages());
        t.setId("overview-storages");
        t.getColumns().add(Tables.text("Storage", 110, s -> s.id()));
        t.getColumns().add(Tables.text("Content", 110, StorageSummary::contentText));
        t.getColumns().add(Tables.text("Formats", 100, s -> String.join(", ", s.config().formats().stream()
                .map(f -> f.id()).toList())));
        t.getColumns().add(Tables.text("Thin / discard", 120, s -> s.capabilities() == null ? "–"
                : (s.capabilities().thin() ? "thin" : "thick") + " / " + (s.capabilities().discard() ? "discard" : "no discard")));
        TableColumn<StorageSummary, StorageSummary> use = new TableColumn<>("Usage");
        use.setPrefWidth(240);
        use.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue()));
        use.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(StorageSummary s, boolean empty) {
                super.updateItem(s, empty);
                setGraphic(empty || s == null ? null : s.space() == null ? Ui.hint(s.problem())
                        : Ui.usageBar(s.usedFraction(), Formats.bytes(s.space().used()) + " of "
                        + Formats.bytes(s.space().total()), 220));
            }
        });
        t.getColumns().add(use);
        t.getColumns().add(Tables.text("Path", 260, s -> s.config().path().toString()));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        opener(t, s -> vm.selectedProperty().set(new NavItem.Storage(s.id())));
        Tables.fit(t, 3);
        return t;
    }

    private static TableView<GuestSummary> guests(MainViewModel vm) {
        TableView<GuestSummary> t = new TableView<>(vm.guests());
        t.setId("overview-guests");
        t.getColumns().add(Tables.text("ID", 70, g -> Integer.toString(g.vmid())));
        t.getColumns().add(Tables.text("Name", 110, GuestSummary::name));
        t.getColumns().add(Tables.badges("State", 110, g -> g.state().word()));
        t.getColumns().add(Tables.text("Disks", 150, g -> g.config().disks().size() + " (" + Formats.bytes(g.size()) + ")"));
        t.getColumns().add(Tables.text("Lock", 80, GuestSummary::lockText));
        t.getColumns().add(Tables.text("Description", 300, g -> g.config().description()));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        opener(t, g -> vm.selectedProperty().set(new NavItem.Guest(g.vmid())));
        Tables.fit(t, 3);
        return t;
    }

    private static <S> void opener(TableView<S> t, java.util.function.Consumer<S> open) {
        t.setRowFactory(x -> {
            TableRow<S> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    open.accept(row.getItem());
                }
            });
            return row;
        });
        t.setOnKeyPressed(e -> {
            if (e.getCode() == javafx.scene.input.KeyCode.ENTER && t.getSelectionModel().getSelectedItem() != null) {
                open.accept(t.getSelectionModel().getSelectedItem());
            }
        });
    }

    @Override
    public Node root() {
        return root;
    }
}
