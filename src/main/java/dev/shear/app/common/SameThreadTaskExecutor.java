package dev.shear.app.common;

import java.util.concurrent.Callable;
import java.util.function.Consumer;

/// A [TaskExecutor] that runs everything at once on the calling thread: for view-model tests,
/// which then need neither a window nor waiting. Not for the running app.
public final class SameThreadTaskExecutor implements TaskExecutor {
    @Override
    public <T> void execute(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
        T result;
        try {
            result = work.call();
        } catch (Exception | Error e) {
            onFailure.accept(e);
            return;
        }
        onSuccess.accept(result);
    }

    @Override
    public void onUi(Runnable r) {
        r.run();
    }

    @Override
    public void close() {
        // nothing runs in the background
    }
}
