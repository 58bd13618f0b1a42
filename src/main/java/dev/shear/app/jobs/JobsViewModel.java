package dev.shear.app.jobs;

import dev.shear.app.AppContext;
import dev.shear.app.backup.LiveBackup;
import dev.shear.app.backup.StorageChoices;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Refresher;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.Listing;
import dev.shear.datacenter.jobs.BackupJobConfig;
import dev.shear.datacenter.jobs.GuestBackup;
import dev.shear.datacenter.jobs.JobRunner;
import dev.shear.datacenter.jobs.Jobs;
import dev.shear.datacenter.jobs.Scheduler;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The Backup jobs place: every scheduled backup job with its schedule, guests, storage, next
/// run and last result; New, Edit, Remove and Run now. The app does not run jobs on schedule
/// (decision 0009): it says so when no `shear scheduler` holds the datacenter's scheduler claim.
/// "Run now" backs each guest up where it is (like the Backup now dialog) and follows each backup
/// live under Tasks. UI thread only.
public final class JobsViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 2_000_000_000L;
    /// Says that scheduled runs need `shear scheduler`.
    public static final String NO_SCHEDULER = "No scheduler runs for this datacenter: jobs run on time only while"
            + " 'shear scheduler' runs (this app runs them only with Run now).";

    /// One row of the table.
    public record Row(String id, String enabled, String schedule, String guests, String storage, String next,
                      String last, BackupJobConfig config) {
        static Row of(Jobs.Status s) {
            BackupJobConfig c = s.config();
            return new Row(c.id(), c.enabled() ? "yes" : "no", c.schedule().toString(), c.guests().toString(),
                    c.storage(), s.next() == null ? "-" : Formats.time(s.next()),
                    s.runningBy() != null ? "running" : s.state().result("unfinished (its process ended)"), c);
        }
    }

    /// What a refresh reads.
    private record Snapshot(List<Row> rows, List<String> broken, Optional<String> scheduler) {
    }

    private final AppContext ctx;
    private final Clock clock;
    private final Jobs jobs;
    private final ObservableList<Row> rows = FXCollections.observableArrayList();
    private final ObjectProperty<Row> selected = new SimpleObjectProperty<>();
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper schedulerHint = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper activity = new ReadOnlyStringWrapper("");
    private final Refresher<Snapshot> refresher;

    public JobsViewModel(AppContext ctx, Clock clock) {
        this.ctx = ctx;
        this.clock = clock;
        this.jobs = new Jobs(ctx.dc());
        refresher = new Refresher<>(ctx.tasks(), ctx.frames(), REFRESH_NANOS, this::read, this::show,
                e -> problem.set("Cannot list the backup jobs: " + Errors.describe(e)));
    }

    private Snapshot read() throws IOException {
        Listing<Jobs.Status> all = jobs.statuses(clock.getZone());
        return new Snapshot(all.items().stream().map(Row::of).toList(),
                all.broken().stream().map(Throwable::getMessage).toList(), Scheduler.holder(jobs));
    }

    private void show(Snapshot s) {
        problem.set(s.broken().isEmpty() ? "" : "Cannot read: " + String.join("; ", s.broken()));
        schedulerHint.set(s.scheduler().isPresent() ? "Scheduler: " + s.scheduler().get() : NO_SCHEDULER);
        if (!s.rows().equals(rows)) {
            Row sel = selected.get();
            rows.setAll(s.rows());
            selected.set(sel == null ? null : s.rows().stream().filter(r -> r.id().equals(sel.id())).findFirst()
                    .orElse(null));
        }
    }

    /// Reads the jobs again.
    public void refresh() {
        refresher.now();
    }

    /// Opens the editor for a new job; creates it on OK.
    public void create() {
        edit(null);
    }

    /// Opens the editor on the selected job; saves it on OK.
    public void editSelected() {
        Row r = selected.get();
        if (r != null) {
            edit(r.config());
        }
    }

    private void edit(BackupJobConfig existing) {
        ctx.tasks().execute(() -> editor(existing), form -> ctx.dialogs().showForm(form, c ->
                ctx.tasks().execute(() -> {
                    if (existing == null) {
                        jobs.create(c, clock.instant());
                    } else {
                        jobs.update(c, clock.instant());
                    }
                    return c;
                }, saved -> refresh(), e -> ctx.dialogs().showError("Cannot save backup job " + c.id(),
                        Errors.describe(e)))),
                e -> ctx.dialogs().showError("Cannot edit backup jobs", Errors.describe(e)));
    }

    /// The editor's model, filled with what there is (I/O: off the UI thread).
    JobEditorViewModel editor(BackupJobConfig existing) throws IOException {
        return new JobEditorViewModel(existing,
                jobs.list().items().stream().map(BackupJobConfig::id).collect(Collectors.toSet()),
                ctx.dc().guests().list().items().stream().map(GuestConfig::vmid).collect(Collectors.toSet()),
                StorageChoices.read(ctx.dc()), clock);
    }

    /// Asks, then removes the selected job (its backups stay).
    public void removeSelected() {
        Row r = selected.get();
        if (r == null) {
            return;
        }
        ctx.dialogs().confirm("Remove backup job", "Remove backup job '" + r.id() + "'?",
                "The job " + r.id() + " (" + r.schedule() + ", guests " + r.guests() + " to " + r.storage()
                        + ") will no longer run. The backups it made stay.", "Remove", yes -> {
                    if (yes) {
                        ctx.tasks().execute(() -> {
                            jobs.remove(r.id());
                            return r;
                        }, gone -> refresh(), e -> ctx.dialogs().showError("Cannot remove backup job " + r.id(),
                                Errors.describe(e)));
                    }
                });
    }

    /// Runs the selected job now (also a disabled one); each guest's backup shows under Tasks.
    public void runSelected() {
        Row r = selected.get();
        if (r == null) {
            return;
        }
        activity.set("running " + r.id() + " …");
        GuestBackup here = request -> {
            LiveBackup live = ctx.launcher().start(request);
            ctx.tasks().onUi(() -> ctx.follow(live));
            return live.await();
        };
        ctx.tasks().execute(() -> new JobRunner(jobs, here, clock).run(r.id(), line -> { }), run -> {
            activity.set("");
            refresh();
            if (!run.ok()) {
                ctx.dialogs().showError("Backup job " + r.id() + " failed", run.error());
            }
        }, e -> {
            activity.set("");
            refresh();
            ctx.dialogs().showError("Cannot run backup job " + r.id(), Errors.describe(e));
        });
        refresh();
    }

    public ObservableList<Row> rows() {
        return rows;
    }

    public ObjectProperty<Row> selectedProperty() {
        return selected;
    }

    /// Unreadable job files ("" when none).
    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    /// Who runs the scheduler, or [#NO_SCHEDULER].
    public ReadOnlyStringProperty schedulerHintProperty() {
        return schedulerHint.getReadOnlyProperty();
    }

    /// "running nightly …" while a Run now runs ("" otherwise).
    public ReadOnlyStringProperty activityProperty() {
        return activity.getReadOnlyProperty();
    }

    @Override
    public void close() {
        refresher.close();
    }
}
