package dev.shear.util;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/// For a loop that takes in requests one after another (an NBD connection's reader, the load
/// generator) and runs one itself when handing it to another thread is not needed: the wake-up of
/// a pool thread on a busy 2-CPU machine costs milliseconds in the tail (decision 0016).
///
/// A request run here that holds the loop's thread longer than [#HAND_OFF_AFTER] (a cold read,
/// storage that hangs) must not hold up the loop: a [Watchdog] has a platform thread of
/// [IoThreads#helper] carry the loop on from where it stands, under the first thread's name; the
/// thread that ran the request learns from [#runHere] that it must leave the loop. [#runLoop]
/// returns when the loop has ended, on whichever thread.
///
/// @param <X> what the loop may throw besides `InterruptedException` and unchecked exceptions
public final class InlineRunner<X extends Exception> {
    /// The loop: takes in requests from where it stands until its end (true), or until
    /// [#runHere] says that another thread carries it on (false).
    @FunctionalInterface
    public interface Loop<X extends Exception> {
        boolean run() throws X, InterruptedException;
    }

    /// How long a request run in the loop's thread may hold it before the loop goes on elsewhere
    /// (within [Watchdog#TICK] after that).
    public static final Duration HAND_OFF_AFTER = Duration.ofMillis(10);
    private static final long HAND_OFF_NANOS = HAND_OFF_AFTER.toNanos();
    private static final System.Logger LOG = System.getLogger(InlineRunner.class.getName());

    private final Loop<X> loop;
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
        if (!loop.run()) {
            awaitEnd();
        }
    }

    /// Runs `request` on this thread, from within the loop. Returns true when this thread still
    /// carries the loop, false when the loop went on in another thread meanwhile: the caller must
    /// then leave the loop (return false from [Loop#run]).
    public boolean runHere(Runnable request) {
        Watchdog.Watch watch = Watchdog.start(HAND_OFF_NANOS, this::goOn);
        try {
            request.run();
        } catch (RuntimeException | Error e) {
            if (watch.finish()) {
                throw e;                              // this thread still carries the loop: it ends with it
            }
            LOG.log(System.Logger.Level.ERROR, "a request run on " + name + " failed after its loop went on"
                    + " in another thread", e);
            return false;
        }
        return watch.finish();
    }

    private void goOn() {
        LOG.log(System.Logger.Level.DEBUG, () -> "a request held " + name + " for over "
                + HAND_OFF_AFTER.toMillis() + " ms; another thread carries its loop on");
        Thread t = Thread.currentThread();
        String own = t.getName();
        t.setName(name);
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
        Throwable failed = Futures.await(end);
        if (failed != null) {
            @SuppressWarnings("unchecked")          // Loop.run throws nothing else
            X x = (X) failed;
            throw x;
        }
    }
}
