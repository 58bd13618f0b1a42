package dev.shear.util;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/// For a loop that takes in requests one after another (an NBD connection's reader, the load
/// generator) and runs one itself when handing it to another thread is not needed: the wake-up of
/// a pool thread on a busy 2-CPU machine costs milliseconds in the tail (decision 0016).
///
/// A request run here that holds the loop's thread longer than [#HAND_OFF_AFTER] (a cold read,
/// storage that hangs) must not hold up the loop: a watchdog (one daemon thread per process,
/// ticking every [#TICK] while requests run here, parked after [#IDLE_AFTER] without any) has a
/// platform thread of [IoThreads#helper] carry the loop on from where it stands, under the first
/// thread's name; the thread that ran the request learns from [#runHere] that it must leave the
/// loop. [#runLoop] returns when the loop has ended, on whichever thread.
///
/// @param <X> what the loop may throw besides `InterruptedException` and unchecked exceptions
public final class InlineRunner<X extends Exception> {
    /// The loop: takes in requests from where it stands until its end (true), or until
    /// [#runHere] says that another thread carries it on (false).
    @FunctionalInterface
    public interface Loop<X extends Exception> {
        boolean run() throws X, InterruptedException;
    }

    /// How long a request run in the loop's thread may hold it before the loop goes on elsewhere.
    public static final Duration HAND_OFF_AFTER = Duration.ofMillis(10);
    /// How often the watchdog looks: a hand-over happens between [#HAND_OFF_AFTER] and that plus this.
    static final long TICK = TimeUnit.MILLISECONDS.toNanos(10);
    /// How long the watchdog goes on ticking after the last request run here: an idle server (guests
    /// connected, doing nothing) does not wake a thread 100 times a second.
    static final long IDLE_AFTER = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long HAND_OFF_NANOS = HAND_OFF_AFTER.toNanos();
    private static final System.Logger LOG = System.getLogger(InlineRunner.class.getName());
    private static final Set<InlineRunner<?>> WATCHED = ConcurrentHashMap.newKeySet();
    private static final Thread WATCHDOG = Thread.ofPlatform().daemon().name("shear-inline-watchdog")
            .start(InlineRunner::watchdog);
    /// When the latest request started to run here (any loop).
    private static volatile long lastStart = System.nanoTime();
    /// Set while the watchdog is parked for want of requests; [#runHere] then wakes it.
    private static volatile boolean idle;

    /// A request being run by the loop's thread, since `startNanos`.
    private record Running(long startNanos) {
    }

    /// Marks a loop that went on in another thread while its thread ran a request.
    private static final Running HANDED_OFF = new Running(0);

    private final Loop<X> loop;
    /// The request the loop's thread runs, [#HANDED_OFF], or null.
    private final AtomicReference<Running> running = new AtomicReference<>();
    /// Completed by the thread that ends the loop when that is not the one in [#runLoop].
    private final CompletableFuture<Void> end = new CompletableFuture<>();
    /// The name of the thread that called [#runLoop], taken on by those that carry the loop on.
    private volatile String name;

    public InlineRunner(Loop<X> loop) {
        this.loop = loop;
    }

    /// Runs the loop, starting on the calling thread, and returns once it has ended (on
    /// whichever thread) with what ended it.
    public void runLoop() throws X, InterruptedException {
        name = Thread.currentThread().getName();
        WATCHED.add(this);
        try {
            if (!loop.run()) {
                awaitEnd();
            }
        } finally {
            WATCHED.remove(this);
        }
    }

    /// Runs `request` on this thread, from within the loop. Returns true when this thread still
    /// carries the loop, false when the loop went on in another thread meanwhile: the caller must
    /// then leave the loop (return false from [Loop#run]).
    public boolean runHere(Runnable request) {
        Running mine = new Running(System.nanoTime());
        running.set(mine);
        lastStart = mine.startNanos();
        if (idle) {                                   // the first request after a quiet spell
            idle = false;
            LockSupport.unpark(WATCHDOG);
        }
        try {
            request.run();
        } catch (RuntimeException | Error e) {
            if (running.compareAndSet(mine, null)) {
                throw e;                              // this thread still carries the loop: it ends with it
            }
            LOG.log(System.Logger.Level.ERROR, "a request run on " + name + " failed after its loop went on"
                    + " in another thread", e);
            return false;
        }
        return running.compareAndSet(mine, null);
    }

    private void handOffIfStuck(long nowNanos) {
        Running r = running.get();
        if (r != null && r != HANDED_OFF && nowNanos - r.startNanos() >= HAND_OFF_NANOS
                && running.compareAndSet(r, HANDED_OFF)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "a request held " + name + " for over "
                    + HAND_OFF_AFTER.toMillis() + " ms; another thread carries its loop on");
            try {
                IoThreads.helper(this::goOn);
            } catch (RuntimeException | Error e) {
                running.compareAndSet(HANDED_OFF, r);      // no thread to go on: the loop's own keeps it
                throw e;
            }
        }
    }

    private void goOn() {
        Thread t = Thread.currentThread();
        String own = t.getName();
        t.setName(name);
        running.set(null);
        try {
            if (loop.run()) {
                end.complete(null);
            }
        } catch (Throwable e) {
            end.completeExceptionally(e);
        } finally {
            t.setName(own);
        }
    }

    private void awaitEnd() throws X, InterruptedException {
        try {
            end.get();
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case InterruptedException ie -> throw ie;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> {
                    @SuppressWarnings("unchecked")          // Loop.run throws nothing else
                    X x = (X) e.getCause();
                    throw x;
                }
            }
        }
    }

    private static void watchdog() {
        while (true) {
            if (quiet()) {
                idle = true;
                if (quiet()) {                         // no request began since (runHere sets lastStart first)
                    LockSupport.park(InlineRunner.class);
                }
                idle = false;
                continue;
            }
            LockSupport.parkNanos(InlineRunner.class, TICK);
            long now = System.nanoTime();
            for (InlineRunner<?> r : WATCHED) {
                try {
                    r.handOffIfStuck(now);
                } catch (RuntimeException | Error e) {       // keep watching (no thread could be started)
                    LOG.log(System.Logger.Level.WARNING, "could not let a loop go on in another thread", e);
                }
            }
        }
    }

    /// No request started here for [#IDLE_AFTER] and none is running here now.
    private static boolean quiet() {
        if (System.nanoTime() - lastStart < IDLE_AFTER) {
            return false;
        }
        for (InlineRunner<?> r : WATCHED) {
            Running now = r.running.get();
            if (now != null && now != HANDED_OFF) {
                return false;
            }
        }
        return true;
    }

    /// Whether the watchdog is parked for want of requests (for tests).
    static boolean watchdogIdle() {
        return idle && WATCHDOG.getState() == Thread.State.WAITING;
    }
}
