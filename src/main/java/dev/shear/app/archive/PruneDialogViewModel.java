package dev.shear.app.archive;

import dev.shear.app.common.DialogService;
import dev.shear.app.common.ValidatedField;
import dev.shear.datacenter.archive.KeepOptions;
import java.util.List;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/// The prune dialog's model: Proxmox VE's retention counts (keep-last … keep-yearly) for one
/// guest's backups on one storage; at least one must be above 0. Single-threaded.
public final class PruneDialogViewModel implements DialogService.FormModel<KeepOptions> {
    private final int vmid;
    private final String storage;
    private final List<ValidatedField> counts = List.of(count("3"), count(""), count(""), count(""), count(""),
            count(""));
    private final ReadOnlyStringWrapper formError = new ReadOnlyStringWrapper("");
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper();

    public PruneDialogViewModel(int vmid, String storage) {
        this.vmid = vmid;
        this.storage = storage;
        Runnable check = () -> {
            boolean fields = counts.stream().allMatch(ValidatedField::isValid);
            String e = "";
            if (fields) {
                try {
                    build().requireAny();
                } catch (IllegalArgumentException x) {
                    e = "keep at least one backup by some rule: set a count above 0";
                }
            }
            formError.set(e);
            valid.set(fields && e.isEmpty());
        };
        counts.forEach(c -> c.textProperty().addListener((o, a, b) -> check.run()));
        check.run();
    }

    private static ValidatedField count(String initial) {
        return new ValidatedField(initial, t -> {
            if (t.isEmpty()) {
                return null;
            }
            try {
                return Integer.parseInt(t) < 0 ? "a count must be 0 or more, not " + t : null;
            } catch (NumberFormatException e) {
                return "a count must be a whole number, not '" + t + "'";
            }
        });
    }

    private KeepOptions build() {
        int[] n = counts.stream().mapToInt(c -> c.text().isEmpty() ? 0 : Integer.parseInt(c.text())).toArray();
        return new KeepOptions(n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    @Override
    public String title() {
        return "Prune backups of guest " + vmid + " on '" + storage + "'";
    }

    @Override
    public String okLabel() {
        return "Show what goes";
    }

    @Override
    public ReadOnlyBooleanProperty validProperty() {
        return valid.getReadOnlyProperty();
    }

    @Override
    public KeepOptions result() {
        return build().requireAny();
    }

    public int vmid() {
        return vmid;
    }

    public String storage() {
        return storage;
    }

    /// keep-last, keep-hourly, keep-daily, keep-weekly, keep-monthly, keep-yearly.
    public List<ValidatedField> counts() {
        return counts;
    }

    public ReadOnlyStringProperty formErrorProperty() {
        return formError.getReadOnlyProperty();
    }
}
