package dev.shear.app.common;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/// Keeps a view model's picture of the engine fresh: reads it in the background now and every
/// `interval` while subscribed to the frame clock, never two reads at once, and hands each result
/// (or failure) over on the UI thread. UI thread only.
public final class Refresher<T> implements AutoCloseable {
    private final TaskExecutor tasks;
    private final Callable<T> read;
    private final Consumer<T> apply;
    private final Consumer<Throwable> failed;
    private final Frames.Subscription ticking;
    private boolean reading;
    private long last;

    /// Starts refreshing (the first read starts at once).
    public Refresher(TaskExecutor tasks, Frames frames, long intervalNanos, Callable<T> read, Consumer<T> apply,
                     Consumer<Throwable> failed) {
        this.tasks = tasks;
        this.read = read;
        this.apply = apply;
        this.failed = failed;
        this.ticking = frames.onFrame(now -> {
            if (now - last > intervalNanos) {
                last = now;
                now();
            }
        });
        now();
    }

    /// Reads again now, unless a read is under way.
    public void now() {
        if (reading) {
            return;
        }
        reading = true;
        tasks.execute(read, r -> {
            reading = false;
            apply.accept(r);
        }, e -> {
            reading = false;
            failed.accept(e);
        });
    }

    /// Stops the periodic reads.
    @Override
    public void close() {
        ticking.cancel();
    }
}
