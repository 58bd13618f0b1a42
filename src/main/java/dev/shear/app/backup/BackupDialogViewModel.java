package dev.shear.app.backup;

import dev.shear.app.common.CheckedForm;
import dev.shear.backup.BackupOptions;
import dev.shear.backup.Perf;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.app.common.ValidatedField;
import dev.shear.util.Sizes;
import java.util.List;
import java.util.Set;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The backup dialog's model: every vzdump option of one guest backup, with the defaults shown
/// and each invalid value explained next to its field. Values are checked by the engine's own
/// validation ([Perf], [BackupRequest]), so the dialog says exactly what `shear backup` would.
///
/// Single-threaded (UI thread or a test's); no engine calls (the storage choices come in).
public final class BackupDialogViewModel extends CheckedForm<BackupRequest> {
    /// PVE's hint for the fleecing storage (BackupAdvancedOptions.js).
    public static final String FLEECING_HINT = "Prefer a fast and local storage, ideally with support for discard "
            + "and thin-provisioning or sparse files.";

    /// full or incremental.
    public enum Mode { FULL, INCREMENTAL }

    /// An option left at its default, or forced on/off.
    public enum Setting { DEFAULT, ON, OFF }

    /// on-cbw-error: default or one of the policies.
    public enum CbwPolicy { DEFAULT, BREAK_GUEST_WRITE, BREAK_SNAPSHOT }

    private final int vmid;
    private final String guestName;
    private final ObservableList<StorageChoice> targets;
    private final ObservableList<StorageChoice> fleecingStorages;
    private final ObjectProperty<StorageChoice> target = new SimpleObjectProperty<>();
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(Mode.FULL);
    private final BooleanProperty fleecing = new SimpleBooleanProperty(false);
    private final ObjectProperty<StorageChoice> fleecingStorage = new SimpleObjectProperty<>();
    private final ValidatedField maxWorkers = new ValidatedField(Integer.toString(Perf.DEFAULT_MAX_WORKERS),
            BackupDialogViewModel::checkWorkers);
    private final ValidatedField maxChunk = new ValidatedField("0", t -> checkSize(t, "max-chunk",
            v -> new Perf(Perf.DEFAULT_MAX_WORKERS, v, 0)));
    private final ValidatedField minClusterSize = new ValidatedField("0", t -> checkSize(t, "min-cluster-size",
            v -> new Perf(Perf.DEFAULT_MAX_WORKERS, 0, v)));
    private final ValidatedField bwlimit = new ValidatedField("0", t -> checkSize(t, "bandwidth limit", v -> null));
    private final ObjectProperty<Setting> discardSource = new SimpleObjectProperty<>(Setting.DEFAULT);
    private final ObjectProperty<CbwPolicy> onCbwError = new SimpleObjectProperty<>(CbwPolicy.DEFAULT);
    private final ValidatedField cbwTimeout = new ValidatedField("", BackupDialogViewModel::checkTimeout);
    private final ValidatedField writeBehind = new ValidatedField("", t -> checkSize(t, "cbw-write-behind", v -> {
        BackupRequest.checkWriteBehind(v, t);
        return null;
    }));

    /// @param targets          storages holding backups
    /// @param fleecingStorages storages holding images
    /// @param diskStorages     the storages of the guest's disks (a fleecing storage apart from
    ///                         them is preselected)
    public BackupDialogViewModel(int vmid, String guestName, List<StorageChoice> targets,
                                 List<StorageChoice> fleecingStorages, Set<String> diskStorages) {
        this.vmid = vmid;
        this.guestName = guestName;
        this.targets = FXCollections.observableArrayList(targets);
        this.fleecingStorages = FXCollections.observableArrayList(fleecingStorages);
        target.set(targets.isEmpty() ? null : targets.getFirst());
        fleecingStorage.set(fleecingStorages.stream().filter(s -> !diskStorages.contains(s.id()))
                .filter(StorageChoice::recommendedForFleecing).findFirst()
                .orElse(fleecingStorages.isEmpty() ? null : fleecingStorages.getFirst()));
        BooleanBinding fieldsValid = Bindings.createBooleanBinding(() -> maxWorkers.isValid() && maxChunk.isValid()
                        && minClusterSize.isValid() && bwlimit.isValid() && cbwTimeout.isValid() && writeBehind.isValid(),
                maxWorkers.errorProperty(), maxChunk.errorProperty(), minClusterSize.errorProperty(),
                bwlimit.errorProperty(), cbwTimeout.errorProperty(), writeBehind.errorProperty());
        Runnable check = () -> recheck(fieldsValid.get());
        List<ObservableValue<?>> inputs = List.of(fieldsValid, target, mode, fleecing, fleecingStorage, discardSource,
                onCbwError, writeBehind.textProperty());      // its value alone can clash with the others
        for (ObservableValue<?> p : inputs) {
            p.addListener((o, a, b) -> check.run());
        }
        check.run();
    }

    /// Shows the options of `r` (its guest is not used): for editing a backup job's options.
    public void load(BackupRequest r) {
        target.set(targets.stream().filter(t -> t.id().equals(r.storage())).findFirst().orElse(target.get()));
        mode.set(r.incremental() ? Mode.INCREMENTAL : Mode.FULL);
        fleecing.set(r.fleecing().enabled());
        if (r.fleecing().enabled()) {
            fleecingStorages.stream().filter(s -> s.id().equals(r.fleecing().storage())).findFirst()
                    .ifPresent(fleecingStorage::set);
        }
        maxWorkers.setText(Integer.toString(r.perf().maxWorkers()));
        maxChunk.setText(Sizes.compact(r.perf().maxChunk()));
        minClusterSize.setText(Sizes.compact(r.perf().minClusterSize()));
        bwlimit.setText(Sizes.compact(r.bwlimit()));
        discardSource.set(r.discardSource() == null ? Setting.DEFAULT : r.discardSource() ? Setting.ON : Setting.OFF);
        onCbwError.set(r.onCbwError() == null ? CbwPolicy.DEFAULT : r.onCbwError() == OnCbwError.BREAK_SNAPSHOT
                ? CbwPolicy.BREAK_SNAPSHOT : CbwPolicy.BREAK_GUEST_WRITE);
        cbwTimeout.setText(r.cbwTimeout() == null ? "" : Long.toString(r.cbwTimeout()));
        writeBehind.setText(r.writeBehind() == null ? "" : Sizes.compact(r.writeBehind()));
    }

    private static String checkWorkers(String t) {
        if (t.isEmpty()) {
            return null;
        }
        int w;
        try {
            w = Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return "max-workers must be a whole number, not '" + t + "'";
        }
        return messageOf(() -> new Perf(w, 0, 0));
    }

    private interface SizeCheck {
        Object run(long value);
    }

    private static String checkSize(String t, String field, SizeCheck engine) {
        if (t.isEmpty()) {
            return null;
        }
        long v;
        try {
            v = Sizes.parse(t);
        } catch (IllegalArgumentException e) {
            return field + ": " + e.getMessage();
        }
        return messageOf(() -> engine.run(v));
    }

    private static String checkTimeout(String t) {
        if (t.isEmpty()) {
            return null;
        }
        String digits = t.endsWith("s") ? t.substring(0, t.length() - 1).strip() : t;
        try {
            long s = Long.parseLong(digits);
            return s < 0 ? "cbw-timeout must not be negative: " + s : null;
        } catch (NumberFormatException e) {
            return "cbw-timeout must be a whole number of seconds, not '" + t + "'";
        }
    }

    /// What is wrong with the combination of valid fields ("" when nothing).
    @Override
    protected String wholeFormError() {
        if (target.get() == null) {
            return "there is no backup storage: add a storage with content 'backup' first";
        }
        if (fleecing.get() && fleecingStorage.get() == null) {
            return "choose a fleecing storage (an image storage), or turn fleecing off";
        }
        return super.wholeFormError();
    }

    @Override
    protected BackupRequest build() {
        return new BackupRequest(vmid, target.get().id(), mode.get() == Mode.INCREMENTAL,
                fleecing.get() ? new FleecingOption(true, fleecingStorage.get().id()) : FleecingOption.OFF,
                new Perf(intOr(maxWorkers, Perf.DEFAULT_MAX_WORKERS), sizeOr(maxChunk), sizeOr(minClusterSize)),
                sizeOr(bwlimit), switch (discardSource.get()) {
                    case DEFAULT -> null;
                    case ON -> true;
                    case OFF -> false;
                }, switch (onCbwError.get()) {
                    case DEFAULT -> null;
                    case BREAK_GUEST_WRITE -> OnCbwError.BREAK_GUEST_WRITE;
                    case BREAK_SNAPSHOT -> OnCbwError.BREAK_SNAPSHOT;
                }, cbwTimeout.text().isEmpty() ? null : Long.parseLong(cbwTimeout.text().replaceAll("s$", "").strip()),
                writeBehind.text().isEmpty() ? null : Sizes.parse(writeBehind.text()));
    }

    private static int intOr(ValidatedField f, int dflt) {
        return f.text().isEmpty() ? dflt : Integer.parseInt(f.text());
    }

    private static long sizeOr(ValidatedField f) {
        return f.text().isEmpty() ? 0 : Sizes.parse(f.text());
    }

    @Override
    public String title() {
        return "Backup guest " + vmid + " (" + guestName + ")";
    }

    @Override
    public String okLabel() {
        return "Start backup";
    }

    /// The effective defaults of the options that depend on fleecing, for the hints.
    public StringBinding discardDefault() {
        return Bindings.createStringBinding(() -> fleecing.get() ? "default (on with fleecing)"
                : "default (off without fleecing)", fleecing);
    }

    public StringBinding cbwErrorDefault() {
        return Bindings.createStringBinding(() -> "default (" + (fleecing.get() ? OnCbwError.BREAK_SNAPSHOT
                : OnCbwError.BREAK_GUEST_WRITE).optionValue() + ")", fleecing);
    }

    public StringBinding cbwTimeoutDefault() {
        return Bindings.createStringBinding(() -> fleecing.get() ? "default 45 s with fleecing"
                : "default 0 = no limit", fleecing);
    }

    public StringBinding writeBehindDefault() {
        return Bindings.createStringBinding(() -> fleecing.get() && onCbwError.get() != CbwPolicy.BREAK_GUEST_WRITE
                ? "empty = default " + Sizes.compact(BackupOptions.DEFAULT_WRITE_BEHIND) + " per disk: guest writes "
                        + "acknowledged before their copy, lost if Shear dies before the guest flushes; 0 = off"
                : "needs fleecing and break-snapshot; empty = off", fleecing, onCbwError);
    }

    /// A warning about the chosen fleecing storage ("" when it follows the hint).
    public StringBinding fleecingWarning() {
        return Bindings.createStringBinding(() -> {
            StorageChoice s = fleecingStorage.get();
            if (!fleecing.get() || s == null || s.capabilities() == null || s.recommendedForFleecing()) {
                return "";
            }
            return "'" + s.id() + "' " + (s.capabilities().discard() ? "is not thin-provisioned: fleecing images"
                    + " take their full size up front" : "cannot discard: fleecing images will not shrink as the"
                    + " backup advances");
        }, fleecing, fleecingStorage);
    }

    /// The smallest cluster size the engine uses, for the min-cluster-size hint.
    public static String defaultClusterHint() {
        return "default 0 = " + Sizes.compact(BlockCopy.DEFAULT_CLUSTER_SIZE) + " (or the target's cluster)";
    }

    public int vmid() {
        return vmid;
    }

    public ObservableList<StorageChoice> targets() {
        return targets;
    }

    public ObservableList<StorageChoice> fleecingStorages() {
        return fleecingStorages;
    }

    public ObjectProperty<StorageChoice> targetProperty() {
        return target;
    }

    public ObjectProperty<Mode> modeProperty() {
        return mode;
    }

    public BooleanProperty fleecingProperty() {
        return fleecing;
    }

    public ObjectProperty<StorageChoice> fleecingStorageProperty() {
        return fleecingStorage;
    }

    public ValidatedField maxWorkers() {
        return maxWorkers;
    }

    public ValidatedField maxChunk() {
        return maxChunk;
    }

    public ValidatedField minClusterSize() {
        return minClusterSize;
    }

    public ValidatedField bwlimit() {
        return bwlimit;
    }

    public ObjectProperty<Setting> discardSourceProperty() {
        return discardSource;
    }

    public ObjectProperty<CbwPolicy> onCbwErrorProperty() {
        return onCbwError;
    }

    public ValidatedField cbwTimeout() {
        return cbwTimeout;
    }

    public ValidatedField writeBehind() {
        return writeBehind;
    }
}
