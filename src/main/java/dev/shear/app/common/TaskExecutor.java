package dev.shear.app.common;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/// Where the app's engine calls run: work goes to a background thread, its result comes back on
/// the UI thread. View models use nothing else to leave or re-enter the UI thread, so a
/// same-thread implementation ([SameThreadTaskExecutor]) makes them testable without a window.
///
/// Guarantees of every implementation: `work` never runs on the UI thread (except in the
/// same-thread implementation, which has none); exactly one of `onSuccess`/`onFailure` runs, on
/// the UI thread; nothing ever waits for the UI thread.
public interface TaskExecutor extends AutoCloseable {

    /// Runs `work` in the background, then `onSuccess` with its result or `onFailure` with what it
    /// threw, on the UI thread.
    <T> void execute(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure);

    /// Runs `r` on the UI thread, later; returns at once.
    void onUi(Runnable r);

    /// Stops accepting work; running work finishes in the background.
    @Override
    void close();
}
