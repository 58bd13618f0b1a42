package dev.shear.util;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/// Deadlines for work a thread does itself where handing it to another thread would cost a
/// wake-up (decision 0016, 0019): the thread [starts][#start] a watch, does the work, and
/// [finishes][#Watch#finish] the watch. If the work is not done by the deadline, the watch's
/// expiry action runs on a thread of [IoThreads#helper] and carries on in its place (an NBD loop
/// reads on; a guest write goes ahead without its copy-before-write), while the thread that does
/// the work learns from `finish` that it was overtaken.
///
/// One daemon thread watches every deadline of the process. It looks every [#TICK] while watches
/// are open, so an expiry action starts between the deadline and [#TICK] later; after [#IDLE_AFTER]
/// without any watch it parks, and the next [#start] wakes it (an idle server does not wake a thread
/// 100 times a second).
public final class Watchdog {
    /// How often the watchdog looks while watches are open.
    static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);
    /// How long the watchdog goes on ticking after the last watch started.
    static final long IDLE_AFTER = TimeUnit.MILLISECONDS.toNanos(100);
    /// The longest timeout: `nanoTime` differences stay exact within 2^63 ns.
    static final long LONGEST = Long.MAX_VALUE / 4;
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
    private static final Set<Watch> OPEN = ConcurrentHashMap.newKeySet();
    private static final Thread THREAD = Thread.ofPlatform().daemon().name("shear-watchdog")
            .start(Watchdog::watch);
    /// When the latest watch started.
    private static volatile long lastStart = System.nanoTime();
    /// Set while the watchdog is parked for want of watches; [#start] then wakes it.
    private static volatile boolean idle;

    private Watchdog() {
    }

    /// Starts the watchdog's thread now, on the calling thread, if no call did before.
    static void ensureStarted() {
        // class initialization started THREAD
    }

    /// Work under a deadline.
    public static final class Watch {
        private static final int OPEN_STATE = 0;
        private static final int FINISHED = 1;
        private static final int EXPIRED = 2;
        private final long deadline;
        private final Runnable onExpiry;
        /// Whether the watching thread is one of the request pool's, which then gets a stand-in
        /// while this thread is held past the deadline ([IoThreads#standIn]).
        private final boolean requestThread;
        private final AtomicInteger state = new AtomicInteger(OPEN_STATE);

        private Watch(long deadline, Runnable onExpiry) {
            this.deadline = deadline;
            this.onExpiry = onExpiry;
            this.requestThread = IoThreads.onRequestThread();
        }

        /// Ends the watch: true when the work was done in time (the expiry action never runs),
        /// false when the deadline passed first (the expiry action runs or ran on another thread,
        /// and the caller must leave to it what it was to carry on with).
        public boolean finish() {
            if (state.compareAndSet(OPEN_STATE, FINISHED)) {
                OPEN.remove(this);
                return true;
            }
            if (requestThread) {
                IoThreads.standInEnds();
            }
            return false;
        }

        private void expireIfDue(long now) {
            if (now - deadline >= 0 && state.compareAndSet(OPEN_STATE, EXPIRED)) {
                if (requestThread) {
                    IoThreads.standIn();
                }
                try {
                    IoThreads.helper(onExpiry);
                } catch (RuntimeException | Error e) {
                    if (requestThread) {
                        IoThreads.standInEnds();
                    }
                    state.set(OPEN_STATE);            // no thread to carry on: the next tick tries again
                    throw e;
                }
                OPEN.remove(this);
            }
        }
    }

    /// Starts a watch that runs `onExpiry` on a helper thread unless [Watch#finish] comes within
    /// `timeoutNanos` (> 0; beyond [#LONGEST], about 73 years, it counts as that).
    public static Watch start(long timeoutNanos, Runnable onExpiry) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("a watch needs a positive timeout, not " + timeoutNanos + " ns");
        }
        long now = System.nanoTime();
        Watch w = new Watch(now + Math.min(timeoutNanos, LONGEST), onExpiry);
        OPEN.add(w);
        lastStart = now;
        if (idle) {                                   // the first watch after a quiet spell
            idle = false;
            LockSupport.unpark(THREAD);
        }
        return w;
    }

    private static void watch() {
        while (true) {
            if (quiet()) {
                idle = true;
                if (quiet()) {                         // no watch began since (start sets lastStart first)
                    LockSupport.park(Watchdog.class);
                }
                idle = false;
                continue;
            }
            LockSupport.parkNanos(Watchdog.class, TICK);
            long now = System.nanoTime();
            for (Watch w : OPEN) {
                try {
                    w.expireIfDue(now);
                } catch (RuntimeException | Error e) {       // keep watching (no thread could be started)
                    LOG.log(System.Logger.Level.WARNING, "could not start a thread to carry on after a deadline", e);
                }
            }
        }
    }

    /// No watch started for [#IDLE_AFTER] and none is open.
    private static boolean quiet() {
        return System.nanoTime() - lastStart >= IDLE_AFTER && OPEN.isEmpty();
    }

    /// Whether the watchdog is parked for want of watches (for tests).
    static boolean parked() {
        return idle && THREAD.getState() == Thread.State.WAITING;
    }
}
