package dev.shear.app.archive;

import dev.shear.app.AppContext;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Formats;
import dev.shear.app.common.Frames;
import dev.shear.app.common.Refresher;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.ArchiveSummary;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.archive.Prune;
import dev.shear.datacenter.archive.Restore;
import dev.shear.datacenter.archive.TaskRun;
import dev.shear.datacenter.archive.Verify;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The Backups place: every archive, newest first, with size, mode, time and verified state, and
/// the actions on the selected one — Verify, Restore (to a new guest id) and Prune (that guest's
/// backups on that storage, after showing what goes). One action at a time; its progress is
/// read once a frame. UI thread only.
public final class BackupsViewModel implements AutoCloseable {
    private static final long REFRESH_NANOS = 3_000_000_000L;

    private final AppContext ctx;
    private final ObservableList<ArchiveSummary> archives = FXCollections.observableArrayList();
    private final ObjectProperty<ArchiveSummary> selected = new SimpleObjectProperty<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper activity = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper problem = new ReadOnlyStringWrapper("");
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final Frames.Subscription ticking;
    private final Refresher<List<ArchiveSummary>> refresher;
    /// The running verify or restore, for Cancel; set and read on the UI thread.
    private TaskRun<?> running;
    private String doing = "";

    public BackupsViewModel(AppContext ctx) {
        this.ctx = ctx;
        ticking = ctx.frames().onFrame(this::frame);
        refresher = new Refresher<>(ctx.tasks(), ctx.frames(), REFRESH_NANOS, this::read, this::show,
                e -> problem.set("Cannot list the backups: " + Errors.describe(e)));
    }

    private void frame(long now) {
        if (busy.get() && total.get() > 0) {
            activity.set(String.format(Locale.ROOT, "%s: %s of %s (%s)", doing, Formats.bytes(done.get()),
                    Formats.bytes(total.get()), Formats.percent((double) done.get() / total.get())));
        }
    }

    /// Reads the archives again.
    public void refresh() {
        refresher.now();
    }

    private List<ArchiveSummary> read() throws java.io.IOException {
        List<ArchiveSummary> rows = new ArrayList<>();
        for (Archive a : new Archives(ctx.dc()).list()) {
            rows.add(ArchiveSummary.of(a));
        }
        rows.sort(Comparator.comparing(ArchiveSummary::time).reversed().thenComparing(ArchiveSummary::id));
        return rows;
    }

    private void show(List<ArchiveSummary> rows) {
        problem.set("");
        if (!rows.equals(archives)) {
            ArchiveSummary sel = selected.get();
            archives.setAll(rows);
            selected.set(sel == null ? null : rows.stream().filter(r -> r.id().equals(sel.id())).findFirst()
                    .orElse(null));
        }
    }

    /// Re-reads every disk of the selected backup and compares it with the recorded SHA-256.
    public void verify() {
        ArchiveSummary a = selected.get();
        if (a == null) {
            return;
        }
        run("verifying " + a.id(), () -> new Verify(ctx.dc()).start(a.id(), this::progress), o -> {
            if (o.ok()) {
                ctx.dialogs().showInfo("Backup verified", "Every disk of " + a.id() + " matches the SHA-256 its"
                        + " backup recorded (" + String.format(Locale.ROOT, "%.1f", o.seconds()) + " s).");
            } else {
                ctx.dialogs().showError("Verification failed", a.id() + ": " + o.error());
            }
        });
    }

    /// Asks for a new guest id and storage, then restores the selected backup there.
    public void restore() {
        ArchiveSummary a = selected.get();
        if (a == null) {
            return;
        }
        ctx.tasks().execute(() -> new RestoreDialogViewModel(a.id(),
                ctx.dc().guests().list().items().stream().map(GuestConfig::vmid).collect(Collectors.toSet()),
                ctx.dc().storages().list().items().stream().filter(s -> s.content().contains(Content.IMAGES))
                        .map(StorageConfig::id).toList()),
                form -> ctx.dialogs().showForm(form, c -> run("restoring " + a.id() + " to guest " + c.vmid(),
                        () -> new Restore(ctx.dc()).start(a.id(), c.vmid(), c.storage(), false, this::progress), o -> {
                            if (o.ok()) {
                                ctx.dialogs().showInfo("Restored", a.id() + " is guest " + o.vmid() + " now ("
                                        + Formats.bytes(o.written()) + " written, every disk checked).");
                            } else {
                                ctx.dialogs().showError("Restore failed", a.id() + ": " + o.error());
                            }
                        })),
                e -> ctx.dialogs().showError("Cannot restore", Errors.describe(e)));
    }

    /// Asks for retention counts, shows which of the guest's backups on that storage go and why,
    /// and on the go-ahead removes them.
    public void prune() {
        ArchiveSummary a = selected.get();
        if (a == null) {
            return;
        }
        ctx.dialogs().showForm(new PruneDialogViewModel(a.vmid(), a.storage()), keep -> ctx.tasks().execute(
                () -> new Prune(ctx.dc()).plan(a.vmid(), a.storage(), keep), plan -> confirmPrune(a, keep, plan),
                e -> ctx.dialogs().showError("Cannot prune", Errors.describe(e))));
    }

    private void confirmPrune(ArchiveSummary a, KeepOptions keep, List<Prune.Decision> plan) {
        long going = plan.stream().filter(d -> !d.keep()).count();
        if (going == 0) {
            ctx.dialogs().showInfo("Nothing to prune", "With " + keep + " every backup of guest " + a.vmid() + " on '"
                    + a.storage() + "' stays.");
            return;
        }
        String lines = plan.stream().map(d -> (d.keep() ? "keep    " : "remove  ") + d.archive().name() + "  " + d.reason())
                .collect(Collectors.joining("\n"));
        ctx.dialogs().confirm("Prune backups", "Remove " + going + " of " + plan.size() + " backup(s) of guest "
                + a.vmid() + " on '" + a.storage() + "' (" + keep + ")?", lines, "Remove " + going + " backup(s)", yes -> {
                    if (yes) {
                        busy.set(true);
                        activity.set("pruning backups of guest " + a.vmid());
                        ctx.tasks().execute(() -> new Prune(ctx.dc()).run(a.vmid(), a.storage(), keep, false), r -> {
                            finished();
                            String text = "Removed " + r.removed().size() + " backup(s) and freed " + Formats.bytes(r.freed())
                                    + "." + (r.failures().isEmpty() ? "" : "\n\nNot removed:\n" + String.join("\n", r.failures()));
                            if (r.failures().isEmpty()) {
                                ctx.dialogs().showInfo("Pruned", text);
                            } else {
                                ctx.dialogs().showError("Prune incomplete", text);
                            }
                        }, this::failed);
                    }
                });
    }

    /// Starts a long task, follows its progress and reports its outcome.
    private <T> void run(String what, Callable<TaskRun<T>> start, Consumer<T> report) {
        busy.set(true);
        doing = what;
        done.set(0);
        total.set(0);
        activity.set(what + " …");
        ctx.tasks().execute(start, run -> {
            running = run;
            ctx.tasks().execute(run::await, outcome -> {
                finished();
                report.accept(outcome);
            }, this::failed);
        }, this::failed);
    }

    private void progress(long d, long t) {
        done.set(d);
        total.set(t);
    }

    private void finished() {
        running = null;
        busy.set(false);
        activity.set("");
        refresh();
    }

    private void failed(Throwable e) {
        finished();
        ctx.dialogs().showError("The backup action failed", Errors.describe(e));
    }

    /// Stops the running verify or restore (it undoes what it did).
    public void cancel() {
        if (running != null) {
            running.cancel();
            activity.set(doing + ": cancelling …");
        }
    }

    public ObservableList<ArchiveSummary> archives() {
        return archives;
    }

    public ObjectProperty<ArchiveSummary> selectedProperty() {
        return selected;
    }

    /// True while an action runs.
    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /// What the running action is doing ("" when none).
    public ReadOnlyStringProperty activityProperty() {
        return activity.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty problemProperty() {
        return problem.getReadOnlyProperty();
    }

    @Override
    public void close() {
        ticking.cancel();
        refresher.close();
    }
}
