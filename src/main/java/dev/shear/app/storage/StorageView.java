package dev.shear.app.storage;

import dev.shear.app.common.Formats;
import dev.shear.app.common.Styles;
import dev.shear.app.common.Ui;
import dev.shear.app.common.ModelView;
import dev.shear.app.common.Tables;
import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.VolumeInfo;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableView;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;

/// A storage: capacity and use, formats, thin/discard, its fleecing images (owner, size on disk,
/// state) with the one-click cleanup, and its volumes.
public final class StorageView extends ModelView {
    private final StorageViewModel vm;
    private final Label title = Ui.title("");
    private final Label subtitle = Ui.subtitle("");
    private final StackPane usage = new StackPane();
    private final GridPane facts = Ui.keyValues();
    private final Label archives = Ui.hint("");

    public StorageView(StorageViewModel vm) {
        super(vm::close);
        this.vm = vm;
        title.setText(vm.id());
        Label problem = Ui.problem(vm.problemProperty());
        usage.setAlignment(Pos.CENTER_LEFT);
        VBox page = Ui.page(title, subtitle, problem, Ui.card(Ui.section("Capacity"), usage, facts),
                fleecingSection(), Ui.section("Volumes"), volumes(), archives);
        ScrollPane scroll = new ScrollPane(page);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("edge-to-edge");
        setRoot(scroll);
        vm.detailsProperty().addListener((o, a, d) -> show(d));
    }

    private Node fleecingSection() {
        Button clean = new Button("Clean up stale fleecing images…");
        clean.setId("cleanup-stale");
        clean.getStyleClass().add(atlantafx.base.theme.Styles.DANGER);
        clean.setOnAction(e -> vm.cleanUp());
        clean.disableProperty().bind(vm.busyProperty().or(Bindings.createBooleanBinding(() ->
                vm.detailsProperty().get() == null || !vm.detailsProperty().get().hasStale(), vm.detailsProperty())));
        HBox head = new HBox(12, Ui.section("Fleecing images"), Ui.grow(), clean);
        head.setAlignment(Pos.CENTER_LEFT);
        TableView<FleecingImageRow> t = new TableView<>(vm.fleecing());
        t.setId("fleecing-images");
        t.getColumns().add(Tables.text("Image", 260, FleecingImageRow::volume));
        t.getColumns().add(Tables.text("Guest", 70, r -> Integer.toString(r.vmid())));
        t.getColumns().add(Tables.text("Size on disk", 110, r -> Formats.bytes(r.bytes())));
        t.getColumns().add(Tables.badges("State", 100, r -> r.state().word()));
        t.getColumns().add(Tables.text("Why", 360, FleecingImageRow::why));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.setPlaceholder(Ui.hint("No fleecing images: none are left over, and no backup with fleecing runs now."));
        Tables.fit(t, 2);
        return Ui.card(head, t, Ui.hint("A fleecing image holds old data copied out before guest writes while a backup"
                + " runs; it is removed when the backup ends. One left behind by a backup that died is stale."));
    }

    private Node volumes() {
        TableView<VolumeInfo> t = new TableView<>(vm.volumes());
        t.setId("storage-volumes");
        t.getColumns().add(Tables.text("Volume", 260, v -> v.id().toString()));
        t.getColumns().add(Tables.text("Guest", 70, v -> Integer.toString(v.id().name().vmid())));
        t.getColumns().add(Tables.text("Format", 80, v -> v.id().name().format().id()));
        t.getColumns().add(Tables.text("File size", 110, v -> Formats.bytes(v.fileSize())));
        t.getColumns().add(Tables.text("Allocated", 110, v -> Formats.bytes(v.allocated())));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.setPlaceholder(Ui.hint("No disk volumes on this storage."));
        Tables.fit(t, 2);
        return t;
    }

    private void show(StorageDetails d) {
        if (d == null) {
            return;
        }
        subtitle.setText("Directory storage at " + d.config().path() + " — holds "
                + String.join(" and ", d.config().content().stream().map(Content::id).toList()));
        usage.getChildren().setAll(Ui.usageBar((double) d.space().used() / Math.max(1, d.space().total()),
                Formats.bytes(d.space().used()) + " used of " + Formats.bytes(d.space().total()) + " · "
                        + Formats.bytes(d.space().available()) + " free", 520));
        facts.getChildren().clear();
        Ui.row(facts, "Formats", new Label(String.join(", ", d.config().formats().stream().map(ImageFormat::id).toList())
                + " (default " + d.config().defaultFormat().id() + ")"));
        Ui.row(facts, "Thin provisioning", new Label(flag(d.capabilities().thin(), d.config().thin(), d.detected().thin())));
        Ui.row(facts, "Discard", new Label(flag(d.capabilities().discard(), d.config().discard(), d.detected().discard())));
        Ui.row(facts, "Good for fleecing", new Label(fleecingAdvice(d)));
        archives.setText(d.config().content().contains(Content.BACKUP) ? d.archives() + " backup archive(s), "
                + Formats.bytes(d.archiveBytes()) + " on disk — see Backups." : "");
    }

    private static String flag(boolean effective, Boolean override, boolean detected) {
        return (effective ? "yes" : "no") + (override == null ? " (detected)" : " (set in its definition; the file system"
                + (detected ? " can" : " cannot") + ")");
    }

    private static String fleecingAdvice(StorageDetails d) {
        if (!d.config().content().contains(Content.IMAGES)) {
            return "no: it does not hold images";
        }
        Capabilities c = d.capabilities();
        return c.thin() && c.discard() ? "yes: thin and discards, so fleecing images stay small"
                : "possible, but fleecing images " + (c.discard() ? "take their full size up front" : "will not shrink");
    }
}
