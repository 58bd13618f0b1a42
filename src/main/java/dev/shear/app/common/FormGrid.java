package dev.shear.app.common;

import javafx.css.PseudoClass;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;

/// Lays out a dialog form: sections, rows of name / control / hint, text fields with their
/// validation message right under them (taking no room while there is none).
public final class FormGrid {
    private static final PseudoClass INVALID = PseudoClass.getPseudoClass("invalid");
    private final GridPane grid = new GridPane();

    /// @param keyWidth   width of the names column
    /// @param valueWidth preferred width of the controls column
    /// @param hintWidth  preferred width of the hints column
    public FormGrid(double keyWidth, double valueWidth, double hintWidth) {
        grid.setHgap(14);
        grid.setVgap(4);
        ColumnConstraints keys = new ColumnConstraints(keyWidth);
        ColumnConstraints values = new ColumnConstraints(valueWidth * 0.8, valueWidth, Double.MAX_VALUE);
        values.setHgrow(Priority.ALWAYS);
        ColumnConstraints hints = new ColumnConstraints(hintWidth * 0.75, hintWidth, Double.MAX_VALUE);
        grid.getColumnConstraints().addAll(keys, values, hints);
    }

    public GridPane grid() {
        return grid;
    }

    /// A section heading across the grid.
    public void heading(String text) {
        Label l = Ui.section(text);
        GridPane.setMargin(l, new Insets(grid.getRowCount() == 0 ? 0 : 12, 0, 2, 0));
        grid.add(l, 0, grid.getRowCount(), 3, 1);
    }

    /// A row; returns its hint label.
    public Label row(String key, Node value, String hint) {
        int r = grid.getRowCount();
        Label k = Ui.styled(new Label(key), Styles.KEY);
        GridPane.setHalignment(k, HPos.LEFT);
        grid.add(k, 0, r);
        grid.add(value, 1, r);
        Label h = Ui.hint(hint);
        grid.add(h, 2, r);
        return h;
    }

    /// A line under the controls (spanning controls and hints).
    public void note(Node n) {
        grid.add(n, 1, grid.getRowCount(), 2, 1);
    }

    /// A text field bound to `f`, with `f`'s message under it; returns its hint label.
    public Label field(String key, ValidatedField f, String id, String hint) {
        TextField t = new TextField();
        t.setId(id);
        t.setPromptText("default");
        t.textProperty().bindBidirectional(f.textProperty());
        Label h = row(key, t, hint);
        Label error = Ui.problem(f.errorProperty());
        error.setId(id + "-error");
        f.errorProperty().addListener((o, a, e) -> t.pseudoClassStateChanged(INVALID, !e.isEmpty()));
        note(error);
        return h;
    }
}
