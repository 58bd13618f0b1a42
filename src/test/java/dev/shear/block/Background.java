package dev.shear.block;

import java.util.concurrent.atomic.AtomicReference;

/// Starts requests on other threads, for tests in which a caller must wait (stalls, throttles).
final class Background {
    private Background() {
    }

    /// Starts a platform thread writing `data` at `offset`; what it throws lands in `failure`.
    static Thread write(BlockNode node, long offset, byte[] data, AtomicReference<Throwable> failure) {
        return Thread.ofPlatform().start(() -> {
            try {
                node.write(offset, data);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
    }
}
