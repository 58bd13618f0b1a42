package dev.shear.app.common;

import java.util.function.Function;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/// A text field's model: the text, and the message saying what is wrong with it ("" when
/// nothing). The message is recomputed on every change, so a form shows it inline while the user
/// types. Use it on one thread (the UI thread, or a test's).
public final class ValidatedField {
    private final StringProperty text;
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private final Function<String, String> check;

    /// @param initial the starting text
    /// @param check   the error message for a text, or null when it is fine
    public ValidatedField(String initial, Function<String, String> check) {
        this.text = new SimpleStringProperty(initial);
        this.check = check;
        text.addListener((o, a, b) -> revalidate());
        revalidate();
    }

    /// Checks the text again (when something it depends on changed).
    public void revalidate() {
        String m = check.apply(text.get() == null ? "" : text.get().strip());
        error.set(m == null ? "" : m);
    }

    public StringProperty textProperty() {
        return text;
    }

    /// The trimmed text.
    public String text() {
        return text.get() == null ? "" : text.get().strip();
    }

    public void setText(String t) {
        text.set(t);
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    public boolean isValid() {
        return error.get().isEmpty();
    }
}
