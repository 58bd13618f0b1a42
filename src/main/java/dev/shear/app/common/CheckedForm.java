package dev.shear.app.common;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/// A dialog form whose value is built by the engine's own constructors, so that the engine's
/// messages are the form's: valid while every field is and [#build()] throws nothing. Subclasses
/// call [#recheck] whenever an input changes. Single-threaded (UI thread or a test's).
public abstract class CheckedForm<R> implements DialogService.FormModel<R> {
    private final ReadOnlyStringWrapper formError = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper(false);

    /// The value, made by the engine's constructors (which throw [IllegalArgumentException]s).
    protected abstract R build();

    /// What is wrong with the whole form once every field is valid ("" when nothing); by default
    /// the message of [#build()].
    protected String wholeFormError() {
        String e = messageOf(this::build);
        return e == null ? "" : e;
    }

    /// Sets the form's error and validity from the fields' validity and [#wholeFormError()].
    protected final void recheck(boolean fieldsValid) {
        formError.set(fieldsValid ? wholeFormError() : "");
        valid.set(fieldsValid && formError.get().isEmpty());
    }

    /// The message of the [IllegalArgumentException] `check` throws, or null.
    public static String messageOf(Runnable check) {
        try {
            check.run();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public final ReadOnlyBooleanProperty validProperty() {
        return valid.getReadOnlyProperty();
    }

    @Override
    public final R result() {
        if (!valid.get()) {
            throw new IllegalStateException("'" + title() + "' is not valid: " + formError.get());
        }
        return build();
    }

    /// A problem with the combination of values ("" when none).
    public final ReadOnlyStringProperty formErrorProperty() {
        return formError.getReadOnlyProperty();
    }
}
