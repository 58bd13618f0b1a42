package dev.shear.app.common;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javafx.application.Platform;

/// The app's [TaskExecutor]: work runs on a pool of platform threads, reused while busy and
/// gone after a minute idle (engine calls do disk I/O, which must not pin the carriers of virtual
/// threads: `dev.shear.util.IoThreads`); results are handed to the FX thread with
/// `Platform.runLater`. Thread-safe.
public final class FxTaskExecutor implements TaskExecutor {
    private static final System.Logger LOG = System.getLogger(FxTaskExecutor.class.getName());
    private final ExecutorService pool = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("shear-app-", 0).factory());

    @Override
    public <T> void execute(Callable<T> work, Consumer<? super T> onSuccess, Consumer<? super Throwable> onFailure) {
        if (pool.isShutdown()) {
            LOG.log(System.Logger.Level.DEBUG, "the app is closing: background work not started");
            return;
        }
        pool.execute(() -> {
            T result;
            try {
                result = work.call();
            } catch (Exception | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "background work failed", e);
                Platform.runLater(() -> onFailure.accept(e));
                return;
            }
            Platform.runLater(() -> onSuccess.accept(result));
        });
    }

    @Override
    public void onUi(Runnable r) {
        Platform.runLater(r);
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
