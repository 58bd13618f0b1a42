package dev.shear.util;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/// Platform threads for work that blocks on disk I/O: guest requests (NBD, the load generator),
/// copy-before-write copies, the app's background work.
///
/// Virtual threads must not do file I/O in Shear. In JDK 25 a virtual thread in a buffered
/// `FileChannel` read or write (only direct I/O compensates, see `jdk.internal.misc.Blocker`) or in
/// a foreign-function call (`lseek`, `fallocate`) keeps its carrier for the whole system call, and
/// there are only as many carriers as cores: on a 2-core machine two cold reads stalled every
/// virtual thread of the process, NBD connections included (decision 0011). Virtual threads stay
/// for what waits on sockets. QEMU runs blocking I/O on a pool of 64 threads for the same reason.
public final class IoThreads {
    /// Threads of the request pool (QEMU's thread pool has 64 workers).
    public static final int REQUEST_THREADS = 64;

    private static final ThreadLocal<Boolean> REQUEST_THREAD = ThreadLocal.withInitial(() -> false);
    private static final ThreadPoolExecutor REQUESTS = requestPool();
    /// Request threads held past a deadline whose work went on elsewhere ([Watchdog]), each
    /// stood in for by one more thread of the pool until it is back. Guarded by `IoThreads.class`.
    private static int standIns;
    private static final ExecutorService HELPERS = Executors.newCachedThreadPool(factory("shear-io-helper-", false));
    private static final ThreadLocal<Boolean> BACKGROUND_THREAD = ThreadLocal.withInitial(() -> false);
    private static final ExecutorService BACKGROUND = backgroundPool();
    /// Starts the threads the pools above need when a background thread hands them work: a thread
    /// inherits its creator's nice value, and guest threads must not get a background thread's.
    /// Started now, by a thread that is not a background one.
    private static final ThreadPoolExecutor RELAY = relay();

    private IoThreads() {
    }

    private static ThreadPoolExecutor requestPool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory("shear-io-", true));
        p.allowCoreThreadTimeOut(true);   // idle threads go after 30 s
        return p;
    }

    private static ThreadFactory factory(String prefix, boolean requests) {
        AtomicInteger n = new AtomicInteger();
        return r -> Thread.ofPlatform().daemon().name(prefix + n.getAndIncrement()).unstarted(() -> {
            Scheduling.shortSlice();         // guest requests wait for these threads (decision 0017)
            REQUEST_THREAD.set(requests);
            r.run();
        });
    }

    private static ExecutorService backgroundPool() {
        ThreadFactory threads = Thread.ofPlatform().daemon().name("shear-background-", 0).factory();
        return Executors.newCachedThreadPool(r -> threads.newThread(() -> {
            becomeBackground();
            r.run();
        }));
    }

    private static ThreadPoolExecutor relay() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().daemon().name("shear-io-relay").unstarted(r));
        p.prestartCoreThread();
        return p;
    }

    /// Whether the calling thread is one of the request pool's.
    static boolean onRequestThread() {
        return REQUEST_THREAD.get();
    }

    /// One request thread is held (in storage that hangs) while its work went on elsewhere: the
    /// pool gets one more thread until [#standInEnds], so that held threads never starve the
    /// requests queued behind them (QEMU's requests would be coroutines waiting on the I/O).
    static synchronized void standIn() {
        standIns++;
        resize();
    }

    /// A held request thread is back.
    static synchronized void standInEnds() {
        standIns--;
        resize();
    }

    /// The pool's size now (for tests).
    static int requestPoolSize() {
        return REQUESTS.getCorePoolSize();
    }

    private static void resize() {
        int n = REQUEST_THREADS + Math.max(0, standIns);
        if (n > REQUESTS.getMaximumPoolSize()) {
            REQUESTS.setMaximumPoolSize(n);
            REQUESTS.setCorePoolSize(n);     // starts threads for what is queued
        } else {
            REQUESTS.setCorePoolSize(n);
            REQUESTS.setMaximumPoolSize(n);  // threads beyond it end when idle
        }
    }

    /// Runs a request (a guest read or write, a snapshot read) on the request pool: at most
    /// [#REQUEST_THREADS] at once, the rest queued in order. The callers bound what they queue
    /// (NBD by its in-flight byte limit, the load generator by its queue depth).
    public static void request(Runnable r) {
        submit(REQUESTS, r);
    }

    /// Runs `r` on a thread of its own (reused when idle): for work a request waits for, which must
    /// not queue behind requests (a copy-before-write under `cbw-timeout`), and background work.
    public static void helper(Runnable r) {
        submit(HELPERS, r);
    }

    /// Runs `r` on a background thread ([Scheduling#background], decision 0024): CPU work of a
    /// backup that no guest request waits for. Threads are reused when idle and never do guest
    /// work.
    public static void background(Runnable r) {
        BACKGROUND.execute(r);
    }

    /// Makes the calling thread, one that does only a backup's background work until it ends
    /// (a job's copy worker), a background thread.
    public static void becomeBackground() {
        BACKGROUND_THREAD.set(true);
        Scheduling.background();
    }

    /// Starts the threads that must never inherit a background thread's attributes before the
    /// first thread is lowered ([Scheduling#background]): the relay (with this class) and the
    /// watchdog's.
    static void beforeLowering() {
        Watchdog.ensureStarted();
    }

    /// Starts a daemon platform thread of its own for `r` (a server's accept loop, a connection)
    /// that does not inherit background priority: when the caller is a background thread, or
    /// inherited one's attributes (a virtual thread on a carrier a background thread started), the
    /// thread is started by the relay.
    public static Thread startPlatform(String name, Runnable r) {
        Thread.Builder builder = Thread.ofPlatform().daemon().name(name);
        if (!BACKGROUND_THREAD.get() && !Scheduling.lowered()) {
            return builder.start(r);
        }
        return CompletableFuture.supplyAsync(() -> builder.start(r), RELAY).join();
    }

    /// Whether the calling thread is a background thread.
    static boolean onBackgroundThread() {
        return BACKGROUND_THREAD.get();
    }

    /// Hands `r` to `pool`; from a lowered thread, through the relay, so that any thread the pool
    /// starts for it starts there. Either way a pool that refuses `r` (or cannot start a thread)
    /// throws to the caller, which then knows `r` will never run (a relayed refusal used to be
    /// lost, and with it a count the caller kept of work under way).
    static void submit(ExecutorService pool, Runnable r) {
        // a virtual thread runs on a carrier that a background thread may have started (review of 9bb59e0)
        if (BACKGROUND_THREAD.get() || Thread.currentThread().isVirtual() && Scheduling.lowered()) {
            try {
                CompletableFuture.runAsync(() -> pool.execute(r), RELAY).join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw e;
            }
        } else {
            pool.execute(r);
        }
    }
}
