package dev.shear.app;

import dev.shear.app.common.DialogService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/// A [DialogService] for view-model tests: records every message, answers confirmations as told,
/// and fills forms with a script before pressing OK (only when the form is valid, as the real
/// dialog's OK button would).
public final class ScriptedDialogs implements DialogService {
    /// A dialog that was shown: kind (`error`, `info`, `confirm`), title and text.
    public record Shown(String kind, String title, String text) {
    }

    public final List<Shown> shown = new ArrayList<>();
    public boolean confirmAnswer = true;
    public Consumer<FormModel<?>> formScript = f -> { };
    public FormModel<?> lastForm;

    @Override
    public void showError(String title, String message) {
        shown.add(new Shown("error", title, message));
    }

    @Override
    public void showInfo(String title, String message) {
        shown.add(new Shown("info", title, message));
    }

    @Override
    public void confirm(String title, String header, String details, String okLabel, Consumer<Boolean> answer) {
        shown.add(new Shown("confirm", title, header + "\n" + details));
        answer.accept(confirmAnswer);
    }

    @Override
    public <R> void showForm(FormModel<R> form, Consumer<R> onOk) {
        lastForm = form;
        formScript.accept(form);
        shown.add(new Shown("form", form.title(), ""));
        if (form.validProperty().get()) {
            onOk.accept(form.result());
        }
    }

    /// The shown dialogs of one kind.
    public List<Shown> of(String kind) {
        return shown.stream().filter(s -> s.kind().equals(kind)).toList();
    }
}
