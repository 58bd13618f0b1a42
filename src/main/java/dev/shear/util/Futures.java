package dev.shear.util;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/// Small helpers for `CompletableFuture` results.
public final class Futures {
    private Futures() {
    }

    /// Work that may fail with an [IOException].
    @FunctionalInterface
    public interface IoWork {
        void run() throws IOException;
    }

    /// Runs `work` and completes `done` with its outcome; an [Error] completes it too and is
    /// thrown on.
    public static void complete(CompletableFuture<Void> done, IoWork work) {
        try {
            work.run();
            done.complete(null);
        } catch (IOException | RuntimeException e) {
            done.completeExceptionally(e);
        } catch (Error e) {
            done.completeExceptionally(e);
            throw e;
        }
    }

    /// Waits for `f`; rethrows what it failed with when that is unchecked or an interrupt, and
    /// returns any other failure (null when it succeeded) for the caller to throw as its own.
    public static Throwable await(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get();
            return null;
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case InterruptedException ie -> throw ie;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> {
                    return e.getCause();
                }
            }
        }
    }

    /// The failure itself, unwrapped from the [CompletionException] a dependent stage wraps it in.
    public static Throwable cause(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
