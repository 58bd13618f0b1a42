package dev.shear.app.jobs;

import dev.shear.app.backup.BackupDialogViewModel;
import dev.shear.app.backup.StorageChoices;
import dev.shear.app.common.CheckedForm;
import dev.shear.app.common.Formats;
import dev.shear.app.common.ValidatedField;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.jobs.BackupJobConfig;
import dev.shear.datacenter.jobs.GuestSelection;
import dev.shear.datacenter.jobs.Schedule;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.stream.Collectors;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ObservableValue;

/// The scheduled-job editor's model: the job's id, schedule (with its next three times, live),
/// guests (all, or chosen ids), retention and comment, plus the backup dialog's own option form
/// ([BackupDialogViewModel]) for the vzdump options. Every value is checked by the engine's rules
/// as it is typed; the form is valid only when the whole [BackupJobConfig] can be made.
///
/// Single-threaded (UI thread or a test's); no engine calls (storages and guests come in).
public final class JobEditorViewModel extends CheckedForm<BackupJobConfig> {
    private final boolean creating;
    private final Clock clock;
    private final ValidatedField id;
    private final BooleanProperty enabled = new SimpleBooleanProperty(true);
    private final ValidatedField schedule;
    private final ReadOnlyStringWrapper nextRuns = new ReadOnlyStringWrapper("");
    private final BooleanProperty allGuests = new SimpleBooleanProperty(true);
    private final ValidatedField guests;
    private final List<Integer> guestChoices;
    private final ValidatedField retention = new ValidatedField("", JobEditorViewModel::checkRetention);
    private final StringProperty comment = new SimpleStringProperty("");
    private final BackupDialogViewModel options;

    /// @param existing  the job to edit, or null for a new one
    /// @param jobIds    the ids of the jobs there are (a new job needs another)
    /// @param guestIds  the guests there are
    /// @param storages  the storages to offer
    /// @param clock     "now" and the time zone of the next runs shown
    public JobEditorViewModel(BackupJobConfig existing, Set<String> jobIds, Set<Integer> guestIds,
                              StorageChoices.Offer storages, Clock clock) {
        this.creating = existing == null;
        this.clock = clock;
        this.id = new ValidatedField(creating ? "" : existing.id(), t -> checkId(t, jobIds));
        this.schedule = new ValidatedField(creating ? "daily" : existing.schedule().toString(), this::checkSchedule);
        this.guests = new ValidatedField("", t -> checkGuests(t, guestIds));
        this.guestChoices = guestIds.stream().sorted().toList();
        this.options = new BackupDialogViewModel(VolumeName.MIN_VMID, "", storages.targets(), storages.images(),
                Set.of());
        if (!creating) {
            enabled.set(existing.enabled());
            allGuests.set(existing.guests().all());
            guests.setText(existing.guests().all() ? "" : existing.guests().toString());
            retention.setText(existing.prune() == null ? "" : existing.prune().toString());
            comment.set(existing.comment());
            options.load(existing.request(VolumeName.MIN_VMID));
        }
        guests.revalidate();
        allGuests.addListener((o, a, b) -> guests.revalidate());
        BooleanBinding fieldsValid = Bindings.createBooleanBinding(() -> id.isValid() && schedule.isValid()
                        && guests.isValid() && retention.isValid() && options.validProperty().get(),
                id.errorProperty(), schedule.errorProperty(), guests.errorProperty(), retention.errorProperty(),
                options.validProperty());
        Runnable check = () -> recheck(fieldsValid.get());
        for (ObservableValue<?> p : List.of(fieldsValid, enabled, allGuests, comment, guests.textProperty(),
                options.formErrorProperty())) {
            p.addListener((o, a, b) -> check.run());
        }
        check.run();
    }

    private String checkId(String t, Set<String> jobIds) {
        if (!creating) {
            return null;
        }
        if (t.isEmpty()) {
            return "a job needs an id, e.g. nightly";
        }
        if (jobIds.contains(t)) {
            return "backup job '" + t + "' already exists";
        }
        return messageOf(() -> BackupJobConfig.checkId(t));
    }

    private String checkSchedule(String t) {
        try {
            Schedule s = Schedule.parse(t);
            nextRuns.set("next: " + s.next(clock.instant(), clock.getZone(), 3).stream().map(Formats::time)
                    .collect(Collectors.joining(", ")));
            return null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            nextRuns.set("");
            return e.getMessage();
        }
    }

    private String checkGuests(String t, Set<Integer> guestIds) {
        if (allGuests == null || allGuests.get()) {
            return null;
        }
        try {
            GuestSelection g = GuestSelection.parse(t);
            List<Integer> unknown = g.vmids().stream().filter(v -> !guestIds.contains(v)).toList();
            return unknown.isEmpty() ? null : "guest " + unknown.getFirst() + " does not exist";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static String checkRetention(String t) {
        return t.isEmpty() ? null : messageOf(() -> KeepOptions.parse(t).requireAny());
    }

    @Override
    protected BackupJobConfig build() {
        return BackupJobConfig.of(id.text(), enabled.get(), Schedule.parse(schedule.text()),
                allGuests.get() ? GuestSelection.everyGuest() : GuestSelection.parse(guests.text()),
                options.result(), retention.text().isEmpty() ? null : KeepOptions.parse(retention.text()),
                comment.get());
    }

    @Override
    public String title() {
        return creating ? "New backup job" : "Edit backup job " + id.text();
    }

    @Override
    public String okLabel() {
        return creating ? "Create" : "Save";
    }

    public boolean creating() {
        return creating;
    }

    public ValidatedField id() {
        return id;
    }

    public BooleanProperty enabledProperty() {
        return enabled;
    }

    public ValidatedField schedule() {
        return schedule;
    }

    /// The schedule's next three times ("" while it is invalid).
    public ReadOnlyStringProperty nextRunsProperty() {
        return nextRuns.getReadOnlyProperty();
    }

    public BooleanProperty allGuestsProperty() {
        return allGuests;
    }

    public ValidatedField guests() {
        return guests;
    }

    /// The guests there are, in order: the editor's checklist.
    public List<Integer> guestChoices() {
        return guestChoices;
    }

    /// The guest ids the guest-id text lists (items that are not ids are left out here; the field
    /// reports them): what the checklist shows as ticked.
    public SortedSet<Integer> chosenIds() {
        return GuestSelection.idsIn(guests.text());
    }

    /// Adds `vmid` to the guest-id text or takes it out, keeping the other ids in order (items that
    /// are not ids are dropped); the checklist's way of editing the text.
    public void setChosen(int vmid, boolean chosen) {
        SortedSet<Integer> ids = chosenIds();
        if (chosen ? ids.add(vmid) : ids.remove(vmid)) {
            guests.setText(GuestSelection.of(List.copyOf(ids)).toString());
        }
    }

    public ValidatedField retention() {
        return retention;
    }

    public StringProperty commentProperty() {
        return comment;
    }

    /// The backup options (the backup dialog's model).
    public BackupDialogViewModel options() {
        return options;
    }
}
