package dev.shear.app.archive;

import dev.shear.app.common.DialogService;
import dev.shear.app.common.ValidatedField;
import dev.shear.datacenter.VolumeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.SimpleObjectProperty;

/// The restore dialog's model: which new guest id the archive is restored to (not one in use) and
/// which storage gets the disks (each disk's original one by default). Single-threaded.
public final class RestoreDialogViewModel implements DialogService.FormModel<RestoreDialogViewModel.Choice> {
    /// The storage entry meaning "each disk where it was".
    public static final String ORIGINAL = "";

    /// What to restore to.
    ///
    /// @param vmid    the new guest
    /// @param storage the storage for every disk, or null for each disk's original storage
    public record Choice(int vmid, String storage) {
    }

    private final String archive;
    private final ValidatedField vmid;
    private final List<String> storages = new ArrayList<>();
    private final ObjectProperty<String> storage = new SimpleObjectProperty<>(ORIGINAL);
    private final ReadOnlyBooleanWrapper valid = new ReadOnlyBooleanWrapper();

    /// @param archive       the archive id
    /// @param existing      the guest ids in use
    /// @param imageStorages storages that hold images
    public RestoreDialogViewModel(String archive, Set<Integer> existing, List<String> imageStorages) {
        this.archive = archive;
        int free = VolumeName.MIN_VMID;
        while (existing.contains(free)) {
            free++;
        }
        int suggestion = free;
        this.vmid = new ValidatedField(Integer.toString(free), t -> check(t, existing, suggestion));
        storages.add(ORIGINAL);
        storages.addAll(imageStorages);
        valid.bind(Bindings.createBooleanBinding(vmid::isValid, vmid.errorProperty()));
    }

    private static String check(String t, Set<Integer> existing, int suggestion) {
        long id;
        try {
            id = Long.parseLong(t);
        } catch (NumberFormatException e) {
            return "the guest id must be a whole number, not '" + t + "'";
        }
        try {
            VolumeName.checkVmid(id);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return existing.contains((int) id) ? "guest " + id + " exists; restore to a new id (e.g. " + suggestion + ")"
                : null;
    }

    @Override
    public String title() {
        return "Restore " + archive;
    }

    @Override
    public String okLabel() {
        return "Restore";
    }

    @Override
    public ReadOnlyBooleanProperty validProperty() {
        return valid.getReadOnlyProperty();
    }

    @Override
    public Choice result() {
        return new Choice(Integer.parseInt(vmid.text()), storage.get() == null || storage.get().isEmpty() ? null
                : storage.get());
    }

    public String archive() {
        return archive;
    }

    public ValidatedField vmid() {
        return vmid;
    }

    /// "" for each disk's original storage, then the image storages.
    public List<String> storages() {
        return storages;
    }

    public ObjectProperty<String> storageProperty() {
        return storage;
    }
}
