package dev.shear.app.clustermap;

import dev.shear.backup.ClusterMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/// Feeds a cluster map control from a live backup without loading the UI thread: a background
/// thread takes an immutable [ClusterMap] snapshot, normalises it ([MapData]) and renders it
/// ([MapRenderer]) for the latest [Viewport]; the UI takes the newest [MapFrame] once a frame
/// ([#poll]) and only copies its pixels.
///
/// * **At most once a frame**: a new frame is rendered only after the previous one was taken, and
///   no more often than the minimum interval. Nothing here waits for the UI thread: an untaken
///   frame simply makes the thread skip its turn.
/// * After [#freeze] the source is read one last time; later viewport changes redraw that last
///   data without touching the engine.
///
/// Thread-safe: the hand-over slots are atomic references or volatile; the rest is the feed
/// thread's own.
public final class ClusterMapFeed implements AutoCloseable {
    private final long intervalNanos;
    private final AtomicReference<Supplier<ClusterMap>> source = new AtomicReference<>();
    private final AtomicReference<Viewport> viewport = new AtomicReference<>();
    private final AtomicReference<MapFrame> ready = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean frozen;
    private volatile boolean closed;
    /// Bumped by every change that needs a new frame even from old data (viewport, source, freeze).
    private final AtomicLong generation = new AtomicLong();
    /// Feed thread only: the data last read, where from, whether read after the freeze, and the
    /// generation last drawn.
    private MapData lastData;
    private MapData.History history = new MapData.History();
    private Supplier<ClusterMap> readSource;
    private boolean readFrozen;
    private long drawnGeneration = -1;

    /// @param intervalNanos the shortest time between two snapshots (e.g. 16 ms)
    public ClusterMapFeed(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        this.thread = Thread.ofPlatform().daemon().name("shear-clustermap").start(this::loop);
    }

    /// Where snapshots come from (null: nothing to draw). Any thread.
    public void setSource(Supplier<ClusterMap> s) {
        source.set(s);
        frozen = false;
        generation.incrementAndGet();
        LockSupport.unpark(thread);
    }

    /// The size, zoom and colours to draw with; null pauses drawing (nobody looks). Any thread.
    public void setViewport(Viewport v) {
        viewport.set(v);
        generation.incrementAndGet();
        LockSupport.unpark(thread);
    }

    /// Reads the source once more, then stops reading it (the backup ended).
    public void freeze() {
        frozen = true;
        generation.incrementAndGet();
        LockSupport.unpark(thread);
    }

    /// The newest frame not yet taken, or null. UI thread, once a frame.
    public MapFrame poll() {
        MapFrame f = ready.getAndSet(null);
        if (f != null) {
            LockSupport.unpark(thread);
        }
        return f;
    }

    private void loop() {
        long next = System.nanoTime();
        while (!closed) {
            long now = System.nanoTime();
            if (now < next || ready.get() != null) {
                LockSupport.parkNanos(Math.max(1_000_000, next - now));
                continue;
            }
            next = now + intervalNanos;
            try {
                step();
            } catch (RuntimeException e) {
                System.getLogger(ClusterMapFeed.class.getName()).log(System.Logger.Level.WARNING,
                        "cluster map not drawn: " + e.getMessage(), e);
                LockSupport.parkNanos(500_000_000L);
            }
        }
    }

    /// Draws one frame if there is something new to show.
    private void step() {
        Viewport v = viewport.get();
        Supplier<ClusterMap> s = source.get();
        long gen = generation.get();
        boolean isFrozen = frozen;
        if (v == null || s == null || v.width() == 0 || v.height() == 0) {
            LockSupport.parkNanos(50_000_000L);
            return;
        }
        if (!isFrozen || s != readSource || !readFrozen) {
            ClusterMap m = s.get();
            if (m == null) {
                LockSupport.parkNanos(20_000_000L);
                return;
            }
            if (s != readSource) {
                history = new MapData.History();
            }
            lastData = MapData.of(m, history);
            readSource = s;
            readFrozen = isFrozen;
        } else if (gen == drawnGeneration) {
            LockSupport.parkNanos(intervalNanos * 4);
            return;
        }
        ready.set(MapRenderer.render(lastData, v));
        drawnGeneration = gen;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
