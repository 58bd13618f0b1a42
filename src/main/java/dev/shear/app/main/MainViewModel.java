package dev.shear.app.main;

import dev.shear.app.AppConfig;
import dev.shear.app.AppContext;
import dev.shear.app.common.DialogService;
import dev.shear.app.common.Errors;
import dev.shear.app.common.Frames;
import dev.shear.app.common.Refresher;
import dev.shear.app.common.TaskExecutor;
import dev.shear.app.guest.GuestHost;
import dev.shear.app.guest.GuestStates;
import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.SpaceUsage;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.demo.Demo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/// The main window's model: opens the datacenter (creating the demo on the very first start, with
/// its progress shown), keeps the lists of storages and guests for the navigation tree and the
/// overview fresh (every few seconds, since other Shear processes change things too), and knows
/// which place is selected.
///
/// UI thread only; engine calls go through the [TaskExecutor].
public final class MainViewModel implements AutoCloseable {
    /// How far opening got.
    public enum Phase { OPENING, CREATING_DEMO, READY, FAILED }

    private static final long REFRESH_NANOS = 3_000_000_000L;

    private final AppConfig config;
    private final TaskExecutor tasks;
    private final DialogService dialogs;
    private final Frames frames;
    private final Function<Datacenter, GuestHost> hosts;
    private final ReadOnlyObjectWrapper<Phase> phase = new ReadOnlyObjectWrapper<>(Phase.OPENING);
    private final ReadOnlyStringWrapper message = new ReadOnlyStringWrapper("Opening the datacenter…");
    private final ObservableList<String> demoLog = FXCollections.observableArrayList();
    private final ObservableList<StorageSummary> storages = FXCollections.observableArrayList();
    private final ObservableList<GuestSummary> guests = FXCollections.observableArrayList();
    private final ObjectProperty<NavItem> selected = new SimpleObjectProperty<>(new NavItem.Datacenter());
    private AppContext context;
    private Refresher<Snapshot> refresher;
    /// Closes the context when the process is told to end (SIGTERM, logout) without closing the app.
    private Thread shutdownHook;

    public MainViewModel(AppConfig config, TaskExecutor tasks, DialogService dialogs, Frames frames,
                         Function<Datacenter, GuestHost> hosts) {
        this.config = config;
        this.tasks = tasks;
        this.dialogs = dialogs;
        this.frames = frames;
        this.hosts = hosts;
    }

    /// Opens the datacenter in the background; creates the demo when it is empty.
    public void open() {
        tasks.execute(() -> {
            Datacenter dc = Datacenter.open(config.root());
            if (Demo.isEmpty(dc)) {
                tasks.onUi(() -> {
                    phase.set(Phase.CREATING_DEMO);
                    message.set("First start: creating the demo datacenter in " + config.root().path() + " …");
                });
                Demo.create(dc, config.demoSize(), line -> tasks.onUi(() -> demoLog.add(line)));
            }
            return dc;
        }, this::opened, e -> {
            phase.set(Phase.FAILED);
            message.set("Cannot open the datacenter " + config.root() + ": " + Errors.describe(e));
        });
    }

    private void opened(Datacenter dc) {
        context = new AppContext(dc, tasks, dialogs, frames, hosts.apply(dc), selected::set);
        AppContext c = context;
        shutdownHook = Thread.ofPlatform().name("shear-app-shutdown").unstarted(c::close);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        message.set("Datacenter " + dc.root().path());
        phase.set(Phase.READY);
        Datacenter open = context.dc();
        GuestStates states = context.states();
        refresher = new Refresher<>(tasks, frames, REFRESH_NANOS,
                () -> new Snapshot(readStorages(open), readGuests(open, states)), this::show,
                e -> message.set("Could not read the datacenter: " + Errors.describe(e)));
    }

    /// Reads storages and guests again (in the background).
    public void refresh() {
        if (refresher != null) {
            refresher.now();
        }
    }

    private void show(Snapshot s) {
        if (!s.storages().equals(storages)) {
            storages.setAll(s.storages());
        }
        if (!s.guests().equals(guests)) {
            guests.setAll(s.guests());
        }
    }

    private record Snapshot(List<StorageSummary> storages, List<GuestSummary> guests) {
    }

    static List<StorageSummary> readStorages(Datacenter dc) throws IOException {
        List<StorageSummary> out = new ArrayList<>();
        for (StorageConfig c : dc.storages().list().items()) {
            Storage s = new Storage(c);
            SpaceUsage space = null;
            Capabilities caps = null;
            String problem = "";
            try {
                space = s.space();
                caps = s.capabilities();
            } catch (IOException e) {
                problem = Errors.describe(e);
            }
            out.add(new StorageSummary(c, space, caps, problem));
        }
        return out;
    }

    static List<GuestSummary> readGuests(Datacenter dc, GuestStates states) throws IOException {
        List<GuestSummary> out = new ArrayList<>();
        for (GuestConfig g : dc.guests().list().items()) {
            out.add(new GuestSummary(g, states.of(g.vmid())));
        }
        return out;
    }

    public ReadOnlyObjectProperty<Phase> phaseProperty() {
        return phase.getReadOnlyProperty();
    }

    /// What the status line says.
    public ReadOnlyStringProperty messageProperty() {
        return message.getReadOnlyProperty();
    }

    /// The demo's progress lines (first start).
    public ObservableList<String> demoLog() {
        return demoLog;
    }

    public ObservableList<StorageSummary> storages() {
        return storages;
    }

    public ObservableList<GuestSummary> guests() {
        return guests;
    }

    /// The place shown.
    public ObjectProperty<NavItem> selectedProperty() {
        return selected;
    }

    /// The open datacenter's context; null until [Phase#READY].
    public AppContext context() {
        return context;
    }

    @Override
    public void close() {
        if (refresher != null) {
            refresher.close();
        }
        if (context != null) {
            context.closeViews();
            context.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                System.getLogger(MainViewModel.class.getName()).log(System.Logger.Level.DEBUG, "shutting down already");
            }
        }
    }
}
