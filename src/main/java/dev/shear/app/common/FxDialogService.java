package dev.shear.app.common;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.VBox;
import javafx.stage.Modality;
import javafx.stage.Window;

/// The app's [DialogService]: JavaFX dialogs owned by the main window and styled by the app's
/// stylesheet. Every dialog is shown without a nested event loop (`show()`, answers through
/// callbacks), so nothing waits on the FX thread. FX thread only.
public final class FxDialogService implements DialogService {
    private final Window owner;
    private final Map<Class<?>, Function<Object, Node>> forms = new HashMap<>();

    public FxDialogService(Window owner) {
        this.owner = owner;
    }

    /// Says which view shows forms of model type `type`.
    @SuppressWarnings("unchecked")
    public <M extends FormModel<?>> void register(Class<M> type, Function<M, Node> view) {
        forms.put(type, m -> view.apply((M) m));
    }

    @Override
    public void showError(String title, String message) {
        Alert a = alert(Alert.AlertType.ERROR, title, message);
        a.setHeaderText(title);
        a.show();
    }

    @Override
    public void showInfo(String title, String message) {
        Alert a = alert(Alert.AlertType.INFORMATION, title, message);
        a.setHeaderText(title);
        a.show();
    }

    @Override
    public void confirm(String title, String header, String details, String okLabel, Consumer<Boolean> answer) {
        Dialog<ButtonType> d = new Dialog<>();
        prepare(d, title);
        d.setHeaderText(header);
        ButtonType ok = new ButtonType(okLabel, ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(ok, ButtonType.CANCEL);
        TextArea text = new TextArea(details);
        text.setEditable(false);
        text.setWrapText(true);
        text.setPrefRowCount(Math.min(14, Math.max(3, (int) details.lines().count() * 2)));
        text.setPrefWidth(700);
        text.getStyleClass().add(Styles.MONO);
        text.setId("confirm-details");
        d.getDialogPane().setContent(new VBox(8, text));
        d.getDialogPane().setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        d.getDialogPane().setPrefWidth(740);
        ((Button) d.getDialogPane().lookupButton(ok)).setId("confirm-ok");
        d.setOnHidden(e -> answer.accept(d.getResult() == ok));
        d.show();
    }

    @Override
    public <R> void showForm(FormModel<R> form, Consumer<R> onOk) {
        Function<Object, Node> view = forms.get(form.getClass());
        if (view == null) {
            throw new IllegalStateException("no view registered for " + form.getClass().getSimpleName());
        }
        Dialog<ButtonType> d = new Dialog<>();
        prepare(d, form.title());
        ButtonType ok = new ButtonType(form.okLabel(), ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(ok, ButtonType.CANCEL);
        d.setHeaderText(form.title());
        Node content = view.apply(form);
        d.getDialogPane().setContent(content);
        d.getDialogPane().setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        d.getDialogPane().setPrefWidth(content.prefWidth(-1) + 48);
        Button okButton = (Button) d.getDialogPane().lookupButton(ok);
        okButton.setId("form-ok");
        okButton.disableProperty().bind(form.validProperty().not());
        d.setOnHidden(e -> {
            if (d.getResult() == ok && form.validProperty().get()) {
                onOk.accept(form.result());
            }
        });
        d.show();
    }

    private Alert alert(Alert.AlertType type, String title, String message) {
        Alert a = new Alert(type);
        prepare(a, title);
        Label l = new Label(message);
        l.setWrapText(true);
        l.setMaxWidth(520);
        l.setId("dialog-message");
        a.getDialogPane().setContent(l);
        return a;
    }

    private void prepare(Dialog<?> d, String title) {
        d.setTitle(title);
        if (owner != null) {
            d.initOwner(owner);
        }
        d.initModality(Modality.WINDOW_MODAL);
        d.getDialogPane().getStylesheets().add(Theme.STYLESHEET);
        if (owner != null && owner.getScene() != null && Theme.isDark(owner.getScene())) {
            d.getDialogPane().getStyleClass().add("theme-dark");
        }
        d.setResizable(true);
    }
}
