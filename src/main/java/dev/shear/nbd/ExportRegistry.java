package dev.shear.nbd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/// The exports an NBD server offers, by name; exports come and go at runtime. One registry may
/// back several servers (a TCP and a Unix socket listener, say).
///
/// ## Guarantees
/// * Thread-safe; names are unique.
/// * After [#remove] starts, no new connection can select the export (`NBD_OPT_GO` answers
///   `NBD_REP_ERR_UNKNOWN`, `NBD_OPT_EXPORT_NAME` is refused by closing).
/// * [#remove] asks every connection using the export to stop: each stops reading requests,
///   lets its in-flight requests finish and send their replies, then closes. `remove` returns
///   only after all of them have closed, so the caller may then close the node: no request of an
///   NBD client touches it any more.
public final class ExportRegistry {
    private final Object lock = new Object();
    /// name → export and its users; guarded by `lock`.
    private final Map<String, Entry> exports = new HashMap<>();

    private static final class Entry {
        final NbdExport export;
        /// connections using the export; guarded by the registry's `lock`.
        final Set<Lease> users = new LinkedHashSet<>();

        Entry(NbdExport export) {
            this.export = export;
        }
    }

    /// Offers `export`; throws [IllegalArgumentException] when its name is taken.
    public void add(NbdExport export) {
        synchronized (lock) {
            if (exports.containsKey(export.name())) {
                throw new IllegalArgumentException("an export named '" + export.name() + "' already exists");
            }
            exports.put(export.name(), new Entry(export));
        }
    }

    /// Withdraws the export `name` and waits until every connection using it has finished its
    /// in-flight requests and closed (see the class comment). Throws [IllegalArgumentException]
    /// when there is no such export.
    public void remove(String name) throws InterruptedException {
        List<Lease> users;
        synchronized (lock) {
            Entry e = exports.remove(name);
            if (e == null) {
                throw new IllegalArgumentException("there is no export named '" + name + "' to remove");
            }
            users = new ArrayList<>(e.users);
        }
        for (Lease l : users) {
            l.onRemove.run();
        }
        for (Lease l : users) {
            l.released.await();
        }
    }

    /// The export called `name`, if offered.
    public Optional<NbdExport> get(String name) {
        synchronized (lock) {
            Entry e = exports.get(name);
            return e == null ? Optional.empty() : Optional.of(e.export);
        }
    }

    /// All exports, sorted by name.
    public List<NbdExport> list() {
        synchronized (lock) {
            return exports.values().stream().map(e -> e.export)
                    .sorted(Comparator.comparing(NbdExport::name)).toList();
        }
    }

    /// Number of connections currently using the export `name` (0 when there is none).
    public int users(String name) {
        synchronized (lock) {
            Entry e = exports.get(name);
            return e == null ? 0 : e.users.size();
        }
    }

    /// Starts using export `name` for a connection; `onRemove` is called (once, from the thread
    /// removing it) when the export is withdrawn and must make the connection stop without
    /// blocking. Empty when there is no such export.
    Optional<Lease> open(String name, Runnable onRemove) {
        synchronized (lock) {
            Entry e = exports.get(name);
            if (e == null) {
                return Optional.empty();
            }
            Lease l = new Lease(e, onRemove);
            e.users.add(l);
            return Optional.of(l);
        }
    }

    /// One connection's use of an export; [#close] ends it (idempotent).
    final class Lease implements AutoCloseable {
        private final Entry entry;
        private final Runnable onRemove;
        private final CountDownLatch released = new CountDownLatch(1);

        private Lease(Entry entry, Runnable onRemove) {
            this.entry = entry;
            this.onRemove = onRemove;
        }

        NbdExport export() {
            return entry.export;
        }

        @Override
        public void close() {
            synchronized (lock) {
                entry.users.remove(this);
            }
            released.countDown();
        }
    }
}
