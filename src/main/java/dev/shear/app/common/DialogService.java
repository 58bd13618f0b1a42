package dev.shear.app.common;

import java.util.function.Consumer;
import javafx.beans.property.ReadOnlyBooleanProperty;

/// Every dialog the app shows goes through here (JabRef's habit), so view models ask questions
/// and report results without touching a window, and tests answer them. Nothing here blocks:
/// answers arrive through callbacks on the UI thread.
public interface DialogService {

    /// Shows a readable error (never a stack trace).
    void showError(String title, String message);

    /// Shows a result the user should read (e.g. what a cleanup freed).
    void showInfo(String title, String message);

    /// Asks once whether to go ahead.
    ///
    /// @param details what exactly will happen (may be several lines)
    /// @param okLabel the button that goes ahead, e.g. "Remove 2 images"
    /// @param answer  receives true for the go-ahead, false for cancel
    void confirm(String title, String header, String details, String okLabel, Consumer<Boolean> answer);

    /// Shows a form: the view registered for the model's class, with OK enabled only while the
    /// model is valid; hands the model's result to `onOk` when the user confirms. Nothing happens
    /// on cancel.
    <R> void showForm(FormModel<R> form, Consumer<R> onOk);

    /// The view model of a dialog form (e.g. the backup dialog).
    interface FormModel<R> {
        /// The dialog's title.
        String title();

        /// The label of the OK button.
        String okLabel();

        /// True while the input is complete and valid.
        ReadOnlyBooleanProperty validProperty();

        /// The value the form stands for; only called while valid.
        R result();
    }
}
