package dev.shear.app.common;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/// Small builders the views share, so screens look alike: titles, sections, key/value grids,
/// usage bars, state badges.
public final class Ui {
    private Ui() {
    }

    public static Label title(String text) {
        return styled(new Label(text), Styles.TITLE);
    }

    public static Label subtitle(String text) {
        Label l = styled(new Label(text), Styles.SUBTITLE);
        l.setWrapText(true);
        return l;
    }

    public static Label section(String text) {
        return styled(new Label(text), Styles.SECTION);
    }

    /// A label for a problem that takes no room while there is none.
    public static Label problem(javafx.beans.value.ObservableStringValue text) {
        Label l = styled(new Label(), Styles.FIELD_ERROR);
        l.setWrapText(true);
        l.textProperty().bind(text);
        l.managedProperty().bind(l.textProperty().isNotEmpty());
        l.visibleProperty().bind(l.textProperty().isNotEmpty());
        return l;
    }

    public static Label hint(String text) {
        Label l = styled(new Label(text), Styles.HINT);
        l.setWrapText(true);
        return l;
    }

    public static <T extends Node> T styled(T node, String... classes) {
        node.getStyleClass().addAll(classes);
        return node;
    }

    /// A button with an id (for tests) that runs `action`.
    public static javafx.scene.control.Button button(String text, String id, Runnable action) {
        javafx.scene.control.Button b = new javafx.scene.control.Button(text);
        b.setId(id);
        b.setOnAction(e -> action.run());
        return b;
    }

    /// A region that takes the spare width in an HBox.
    public static Region grow() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    /// A two-column grid of names and values.
    public static GridPane keyValues() {
        GridPane g = new GridPane();
        g.setHgap(16);
        g.setVgap(6);
        ColumnConstraints keys = new ColumnConstraints();
        keys.setMinWidth(Region.USE_PREF_SIZE);
        ColumnConstraints values = new ColumnConstraints();
        values.setHgrow(Priority.ALWAYS);
        g.getColumnConstraints().addAll(keys, values);
        return g;
    }

    /// Adds a row to a [#keyValues()] grid.
    public static void row(GridPane g, String key, Node value) {
        int r = g.getRowCount();
        g.add(styled(new Label(key), Styles.KEY), 0, r);
        g.add(value, 1, r);
        GridPane.setValignment(g.getChildren().get(g.getChildren().size() - 2), javafx.geometry.VPos.TOP);
    }

    /// A bar of `fraction` used with a text on top (e.g. "12 GiB of 40 GiB").
    public static Node usageBar(double fraction, String text, double width) {
        ProgressBar bar = styled(new ProgressBar(fraction), Styles.USAGE);
        if (fraction >= 0.85) {
            bar.getStyleClass().add(Styles.USAGE_HIGH);
        }
        bar.setPrefWidth(width);
        bar.setMaxWidth(Double.MAX_VALUE);
        Label l = styled(new Label(text), "usage-text");
        StackPane p = new StackPane(bar, l);
        p.setAlignment(Pos.CENTER);
        p.setPrefWidth(width);
        return p;
    }

    /// A pill with a state word (styled per word: `.state-badge.running`, …).
    public static Label badge(String word) {
        Label l = styled(new Label(word), Styles.BADGE);
        l.getStyleClass().add(word.replace(' ', '-'));
        return l;
    }

    /// A padded vertical screen layout.
    public static VBox page(Node... children) {
        VBox v = new VBox(14, children);
        v.getStyleClass().add(Styles.VIEW);
        v.setPadding(new Insets(20, 24, 20, 24));
        return v;
    }

    /// A boxed group.
    public static VBox card(Node... children) {
        VBox v = new VBox(10, children);
        v.getStyleClass().add(Styles.CARD);
        return v;
    }
}
