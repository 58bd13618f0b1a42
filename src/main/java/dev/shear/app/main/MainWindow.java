package dev.shear.app.main;

import dev.shear.app.common.Icons;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Theme;
import dev.shear.app.common.Ui;
import dev.shear.app.common.View;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.ToggleButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/// The main window's layout: a header (icon, name, datacenter, refresh, light/dark), the
/// navigation tree on the left, the selected place's screen in the middle, a status line. Before
/// the datacenter is ready it shows the opening (or the first start's demo creation) instead.
public final class MainWindow {
    private final MainViewModel vm;
    private final BorderPane root = new BorderPane();
    private final StackPane content = new StackPane();
    private final ToggleButton dark = new ToggleButton("Dark");
    private View current;

    public MainWindow(MainViewModel vm) {
        this.vm = vm;
        root.getStyleClass().add("main-window");
        root.setTop(header());
        root.setCenter(content);
        Label status = Ui.styled(new Label(), Styles.STATUS);
        status.textProperty().bind(vm.messageProperty());
        status.setMaxWidth(Double.MAX_VALUE);
        root.setBottom(status);
        vm.phaseProperty().addListener((o, a, p) -> phase(p));
        phase(vm.phaseProperty().get());
    }

    private Node header() {
        Label name = Ui.styled(new Label("Shear"), "app-name");
        Label what = Ui.styled(new Label("live VM-disk backups with copy-before-write and fleecing"), "app-tagline");
        Button refresh = new Button("Refresh");
        refresh.setId("refresh");
        refresh.setOnAction(e -> vm.refresh());
        dark.setId("theme-toggle");
        dark.selectedProperty().addListener((o, a, on) -> {
            Scene s = root.getScene();
            if (s != null) {
                Theme.apply(s, on);
            }
        });
        HBox h = new HBox(10, Icons.appNode(24), name, what, Ui.grow(), refresh, dark);
        h.setAlignment(Pos.CENTER_LEFT);
        h.getStyleClass().add(Styles.HEADER);
        return h;
    }

    private void phase(MainViewModel.Phase p) {
        switch (p) {
            case OPENING, CREATING_DEMO, FAILED -> {
                root.setLeft(null);
                content.getChildren().setAll(welcome(p));
            }
            case READY -> ready();
        }
    }

    private Node welcome(MainViewModel.Phase p) {
        Label title = Ui.title(p == MainViewModel.Phase.FAILED ? "The datacenter could not be opened"
                : p == MainViewModel.Phase.CREATING_DEMO ? "Welcome to Shear" : "Opening…");
        Label msg = Ui.subtitle("");
        msg.textProperty().bind(vm.messageProperty());
        VBox box = Ui.card(Icons.appNode(64), title, msg);
        box.setId("welcome");
        if (p != MainViewModel.Phase.FAILED) {
            ListView<String> log = new ListView<>(vm.demoLog());
            log.setId("demo-log");
            log.setPrefHeight(220);
            log.getStyleClass().add(Styles.MONO);
            box.getChildren().addAll(new ProgressIndicator(), Ui.hint("The demo has three storages — local for disks,"
                    + " fast for fleecing images, backup for archives — and three guests whose disks hold sample"
                    + " data, so you can start guests, put load on them and watch a backup with fleecing."), log);
        }
        box.setAlignment(Pos.TOP_CENTER);
        box.setMaxWidth(720);
        box.setMaxHeight(560);
        return box;
    }

    private void ready() {
        NavigationTree tree = new NavigationTree(vm, vm.context().liveBackups());
        tree.view().setPrefWidth(230);
        root.setLeft(tree.view());
        vm.selectedProperty().addListener((o, a, item) -> show(item));
        show(vm.selectedProperty().get());
        tree.view().requestFocus();
    }

    private void show(NavItem item) {
        if (current != null) {
            current.dispose();
        }
        current = item == null ? null : ViewFactory.create(item, vm, vm.context());
        content.getChildren().setAll(current == null ? new Label() : current.root());
    }

    /// Ends the shown screen's subscriptions (the app is closing).
    public void dispose() {
        if (current != null) {
            current.dispose();
            current = null;
        }
    }

    /// Shows the dark theme (or the light one); the window must be in a scene.
    public void setDark(boolean on) {
        Theme.apply(root.getScene(), on);
        dark.setSelected(on);
    }

    public BorderPane root() {
        return root;
    }
}
