package dev.shear.app.archive;

import dev.shear.app.common.Formats;
import dev.shear.app.common.Tables;
import dev.shear.app.common.Ui;
import dev.shear.datacenter.archive.ArchiveSummary;
import java.time.format.DateTimeFormatter;
import javafx.collections.ObservableList;
import javafx.scene.control.TableView;

/// The table of backup archives the Backups view and the guest view share: time, mode, size,
/// state and verified state as badges, the archive id.
public final class ArchiveTable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ArchiveTable() {
    }

    /// A table of `rows`; with `guestColumn` it names each archive's guest too.
    public static TableView<ArchiveSummary> of(ObservableList<ArchiveSummary> rows, boolean guestColumn) {
        TableView<ArchiveSummary> t = new TableView<>(rows);
        if (guestColumn) {
            t.getColumns().add(Tables.text("Guest", 70, r -> Integer.toString(r.vmid())));
        }
        t.getColumns().add(Tables.text("Time", 175, r -> TIME.format(r.time())));
        t.getColumns().add(Tables.text("Mode", 100, r -> r.mode() == null ? "" : r.mode()));
        t.getColumns().add(Tables.text("Size", 100, r -> Formats.bytes(r.sizeOnDisk())));
        t.getColumns().add(Tables.badges("State", 110, ArchiveSummary::stateText));
        t.getColumns().add(Tables.badges("Verified", 90, ArchiveSummary::verified));
        t.getColumns().add(Tables.text("Archive", 380, ArchiveSummary::id));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.setPlaceholder(Ui.hint("No backups yet: click Backup now on a guest."));
        return t;
    }
}
