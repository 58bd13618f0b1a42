package dev.shear.app.common;

import java.util.function.Function;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.Region;

/// Table columns and sizes the views share.
public final class Tables {
    /// Row height of the app's tables.
    public static final double ROW = 34;
    /// Header height plus borders.
    private static final double HEADER = 44;

    private Tables() {
    }

    /// A column showing `value` of each row as text.
    public static <S> TableColumn<S, String> text(String name, double width, Function<S, String> value) {
        TableColumn<S, String> c = new TableColumn<>(name);
        c.setPrefWidth(width);
        c.setCellValueFactory(x -> new ReadOnlyStringWrapper(value.apply(x.getValue())));
        return c;
    }

    /// A column showing `value` of each row as a state badge ([Ui#badge]).
    public static <S> TableColumn<S, String> badges(String name, double width, Function<S, String> value) {
        TableColumn<S, String> c = text(name, width, value);
        c.setCellFactory(x -> new TableCell<>() {
            @Override
            protected void updateItem(String s, boolean empty) {
                super.updateItem(s, empty);
                setGraphic(empty || s == null ? null : Ui.badge(s));
            }
        });
        return c;
    }

    /// Sizes `t` to show all its rows (at least `min`) with no scroll bar and no empty area.
    public static void fit(TableView<?> t, int min) {
        t.setFixedCellSize(ROW);
        t.prefHeightProperty().bind(Bindings.createDoubleBinding(() -> ROW * Math.max(min, t.getItems().size()) + HEADER,
                t.itemsProperty(), Bindings.size(t.getItems())));
        t.minHeightProperty().bind(t.prefHeightProperty());
        t.setMaxHeight(Region.USE_PREF_SIZE);
    }
}
