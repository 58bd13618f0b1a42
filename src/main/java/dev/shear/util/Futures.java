package dev.shear.util;

import java.util.concurrent.CompletionException;

/// Small helpers for `CompletableFuture` results.
public final class Futures {
    private Futures() {
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
