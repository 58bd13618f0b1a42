package dev.shear.nbd;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/// Looks every [#TICK] at the connections in transmission and lets another thread read on where a
/// request has held the reading thread too long ([Transmission#handOffIfStuck]). One daemon
/// thread for the process, parked while no connection is in transmission.
final class InlineWatchdog {
    /// How often a stuck reader is looked for: a hand-over happens between
    /// [Transmission#HAND_OFF_AFTER] and that plus this.
    static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);

    private static final System.Logger LOG = System.getLogger("dev.shear.nbd");
    private static final Set<Transmission> WATCHED = ConcurrentHashMap.newKeySet();
    private static final Thread THREAD = Thread.ofPlatform().daemon().name("shear-nbd-watchdog")
            .start(InlineWatchdog::loop);

    private InlineWatchdog() {
    }

    static void watch(Transmission t) {
        WATCHED.add(t);
        LockSupport.unpark(THREAD);
    }

    static void forget(Transmission t) {
        WATCHED.remove(t);
    }

    private static void loop() {
        while (true) {
            if (WATCHED.isEmpty()) {
                LockSupport.park(InlineWatchdog.class);      // until watch() (or spuriously)
                continue;
            }
            LockSupport.parkNanos(InlineWatchdog.class, TICK);
            long now = System.nanoTime();
            for (Transmission t : WATCHED) {
                try {
                    t.handOffIfStuck(now);
                } catch (RuntimeException e) {       // keep watching the others
                    LOG.log(System.Logger.Level.WARNING, "could not hand a connection's reading over", e);
                }
            }
        }
    }
}
