package dev.shear.util;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
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

    private IoThreads() {
    }

    private static ThreadPoolExecutor requestPool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory("shear-io-", true));
        p.allowCoreThreadTimeOut(true);   // idle threads go after 30 s
        return p;
    }

    private static java.util.concurrent.ThreadFactory factory(String prefix, boolean requests) {
        AtomicInteger n = new AtomicInteger();
        return r -> Thread.ofPlatform().daemon().name(prefix + n.getAndIncrement()).unstarted(() -> {
            ShortSlice.forThisThread();      // guest requests wait for these threads (decision 0017)
            REQUEST_THREAD.set(requests);
            r.run();
        });
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
        REQUESTS.execute(r);
    }

    /// Runs `r` on a thread of its own (reused when idle): for work a request waits for, which must
    /// not queue behind requests (a copy-before-write under `cbw-timeout`), and background work.
    public static void helper(Runnable r) {
        HELPERS.execute(r);
    }
}
