package dev.shear.app.common;

import java.util.List;
import java.util.function.Function;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.control.ComboBox;
import javafx.util.StringConverter;

/// Combo boxes of fixed choices shown with their own words.
public final class Choices {
    private Choices() {
    }

    /// A combo box of `items` (kept live when observable), named `id`, each shown as `text` says.
    public static <T> ComboBox<T> of(List<T> items, String id, Function<T, String> text) {
        ObservableList<T> list = items instanceof ObservableList<T> o ? o : FXCollections.observableArrayList(items);
        ComboBox<T> c = new ComboBox<>(list);
        c.setId(id);
        c.setMaxWidth(Double.MAX_VALUE);
        c.setConverter(new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? "" : text.apply(t);
            }

            @Override
            public T fromString(String s) {
                throw new UnsupportedOperationException("a choice is picked, not typed");
            }
        });
        return c;
    }
}
