package dev.shear.app.main;

import dev.shear.app.backup.LiveBackup;
import dev.shear.app.common.Icons;
import java.util.List;
import java.util.Objects;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.scene.control.TreeCell;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeView;

/// The navigation tree: Datacenter → Storages (each storage), Guests (each guest), Backups, Backup jobs, Tasks
/// (each backup started here, live). Its selection and the model's selected place follow each
/// other; arrow keys move through it (TreeView's own keyboard handling).
public final class NavigationTree {
    private final MainViewModel vm;
    private final TreeView<NavItem> tree = new TreeView<>();
    private final TreeItem<NavItem> root = new TreeItem<>(new NavItem.Datacenter());
    private final TreeItem<NavItem> storages = new TreeItem<>(new NavItem.Storages());
    private final TreeItem<NavItem> guests = new TreeItem<>(new NavItem.Guests());
    private final TreeItem<NavItem> backups = new TreeItem<>(new NavItem.Backups());
    private final TreeItem<NavItem> jobs = new TreeItem<>(new NavItem.Jobs());
    private final TreeItem<NavItem> tasks = new TreeItem<>(new NavItem.Tasks());
    private boolean syncing;
    /// The labels last shown under each parent (a guest may be renamed without its id changing).
    private final java.util.Map<TreeItem<NavItem>, List<String>> shownLabels = new java.util.HashMap<>();

    public NavigationTree(MainViewModel vm, ObservableList<LiveBackup> live) {
        this.vm = vm;
        tree.setId("nav-tree");
        tree.getStyleClass().add("nav-tree");
        root.getChildren().addAll(List.of(storages, guests, backups, jobs, tasks));
        for (TreeItem<NavItem> i : List.of(root, storages, guests, tasks)) {
            i.setExpanded(true);
        }
        tree.setRoot(root);
        tree.setCellFactory(t -> new Cell());
        vm.storages().addListener((ListChangeListener<StorageSummary>) c -> syncChildren(storages,
                vm.storages().stream().map(s -> (NavItem) new NavItem.Storage(s.id())).toList()));
        vm.guests().addListener((ListChangeListener<GuestSummary>) c -> syncChildren(guests,
                vm.guests().stream().map(g -> (NavItem) new NavItem.Guest(g.vmid())).toList()));
        live.addListener((ListChangeListener<LiveBackup>) c -> syncChildren(tasks,
                live.stream().map(b -> (NavItem) new NavItem.Live(b)).toList()));
        tree.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (!syncing && b != null) {
                vm.selectedProperty().set(b.getValue());
            }
        });
        vm.selectedProperty().addListener((o, a, b) -> select(b));
        select(vm.selectedProperty().get());
    }

    public TreeView<NavItem> view() {
        return tree;
    }

    /// Makes `parent`'s children exactly `items` (keeping existing tree items, so selection stays).
    private void syncChildren(TreeItem<NavItem> parent, List<NavItem> items) {
        List<NavItem> now = parent.getChildren().stream().map(TreeItem::getValue).toList();
        if (now.equals(items)) {
            List<String> labels = items.stream().map(this::label).toList();
            if (!labels.equals(shownLabels.get(parent))) {
                tree.refresh();
            }
            shownLabels.put(parent, labels);
            return;
        }
        shownLabels.put(parent, items.stream().map(this::label).toList());
        NavItem selected = vm.selectedProperty().get();
        syncing = true;
        try {
            parent.getChildren().setAll(items.stream().map(i -> parent.getChildren().stream()
                    .filter(c -> c.getValue().equals(i)).findFirst().orElseGet(() -> new TreeItem<>(i))).toList());
        } finally {
            syncing = false;
        }
        select(selected);
    }

    private void select(NavItem item) {
        TreeItem<NavItem> t = find(root, item);
        if (t != null && tree.getSelectionModel().getSelectedItem() != t) {
            syncing = true;
            try {
                tree.getSelectionModel().select(t);
            } finally {
                syncing = false;
            }
        }
    }

    private static TreeItem<NavItem> find(TreeItem<NavItem> at, NavItem item) {
        if (Objects.equals(at.getValue(), item)) {
            return at;
        }
        for (TreeItem<NavItem> c : at.getChildren()) {
            TreeItem<NavItem> f = find(c, item);
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    /// The words of an item.
    String label(NavItem item) {
        return switch (item) {
            case NavItem.Datacenter d -> "Datacenter";
            case NavItem.Storages s -> "Storages";
            case NavItem.Storage s -> s.id();
            case NavItem.Guests g -> "Guests";
            case NavItem.Guest g -> vm.guests().stream().filter(x -> x.vmid() == g.vmid()).findFirst()
                    .map(GuestSummary::title).orElse(Integer.toString(g.vmid()));
            case NavItem.Backups b -> "Backups";
            case NavItem.Jobs j -> "Backup jobs";
            case NavItem.Tasks t -> "Tasks";
            case NavItem.Live l -> "Backup " + l.backup().vmid() + " · " + dev.shear.app.common.Formats.time(l.backup().started())
                    .substring(11, 16);
        };
    }

    private static Icons.Kind icon(NavItem item) {
        return switch (item) {
            case NavItem.Datacenter d -> Icons.Kind.DATACENTER;
            case NavItem.Storages s -> Icons.Kind.STORAGE;
            case NavItem.Storage s -> Icons.Kind.STORAGE;
            case NavItem.Guests g -> Icons.Kind.GUEST;
            case NavItem.Guest g -> Icons.Kind.GUEST;
            case NavItem.Backups b -> Icons.Kind.BACKUP;
            case NavItem.Jobs j -> Icons.Kind.TASKS;
            case NavItem.Tasks t -> Icons.Kind.TASKS;
            case NavItem.Live l -> Icons.Kind.LIVE;
        };
    }

    private final class Cell extends TreeCell<NavItem> {
        @Override
        protected void updateItem(NavItem item, boolean empty) {
            super.updateItem(item, empty);
            if (empty || item == null) {
                setText(null);
                setGraphic(null);
                setId(null);
                return;
            }
            setText(label(item));
            setGraphic(Icons.nav(icon(item)));
            setId(switch (item) {
                case NavItem.Storage s -> "nav-storage-" + s.id();
                case NavItem.Guest g -> "nav-guest-" + g.vmid();
                case NavItem.Live l -> "nav-live-" + l.backup().vmid();
                default -> "nav-" + item.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
            });
        }
    }
}
