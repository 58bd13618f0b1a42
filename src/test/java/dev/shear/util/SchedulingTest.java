package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// Decision 0017: the threads that carry guest requests ask for a short scheduler slice and keep
/// their policy and nice value; threads they start get the default slice again. On kernels that
/// honour a task's own slice (Linux 6.12 and later) `/proc/thread-self/sched` must show it.
/// Decision 0024: background threads run under `ThreadStats.BATCH` with a higher nice value, and no
/// thread that carries guest requests inherits it.
@Timeout(30)
class SchedulingTest {
    private static final boolean HONOURED = kernelAtLeast(6, 12);

    @Test
    void aThreadGetsTheShortSliceAndKeepsItsNiceValue() throws Exception {
        long[] s = onNewThread(() -> {
            setNice(3);
            long niceBefore = ThreadStats.nice();
            boolean taken = Scheduling.shortSlice();
            return new long[] {niceBefore, ThreadStats.nice(), taken ? 1 : 0, slice()};
        });
        assertThat(s[0]).as("nice value set by the test").isEqualTo(3);
        assertThat(s[1]).as("nice value after").isEqualTo(3);
        if (HONOURED) {
            assertThat(s[2]).as("sched_setattr accepted").isEqualTo(1);
            assertThat(s[3]).isEqualTo(Scheduling.SLICE_NANOS);
        }
    }

    @Test
    void threadsStartedByAShortSliceThreadGetTheDefaultSlice() throws Exception {
        long[] s = onNewThread(() -> {
            Scheduling.shortSlice();
            long own = slice();
            long[] child = onNewThread(() -> new long[] {slice()});
            return new long[] {own, child[0]};
        });
        if (HONOURED) {
            assertThat(s[0]).isEqualTo(Scheduling.SLICE_NANOS);
            assertThat(s[1]).isNotEqualTo(Scheduling.SLICE_NANOS).isPositive();
        }
    }

    @Test
    void requestPoolAndHelperThreadsRunWithTheShortSlice() throws Exception {
        long request = on(IoThreads::request);
        long helper = on(IoThreads::helper);
        if (HONOURED) {
            assertThat(request).isEqualTo(Scheduling.SLICE_NANOS);
            assertThat(helper).isEqualTo(Scheduling.SLICE_NANOS);
        }
        assertThat(onNewThread(() -> new long[] {slice()})[0]).as("a thread that did not ask")
                .isNotEqualTo(Scheduling.SLICE_NANOS);
    }

    @Test
    void backgroundThreadsRunUnderTheBatchPolicyWithAHigherNiceValue() throws Exception {
        long own = ThreadStats.nice();
        long[] pooled = on(IoThreads::background, () -> new long[] {ThreadStats.nice(), ThreadStats.policy(), IoThreads.onBackgroundThread() ? 1 : 0});
        assertThat(pooled).containsExactly(Math.max(own, Scheduling.BACKGROUND_NICE), ThreadStats.BATCH, 1);
        long[] turned = onNewThread(() -> {
            IoThreads.becomeBackground();
            return new long[] {ThreadStats.nice(), ThreadStats.policy(), IoThreads.onBackgroundThread() ? 1 : 0};
        });
        assertThat(turned).containsExactly(Math.max(own, Scheduling.BACKGROUND_NICE), ThreadStats.BATCH, 1);
        assertThat(IoThreads.onBackgroundThread()).isFalse();
        assertThat(Scheduling.BACKGROUND_NICE).as("the default").isEqualTo(10);
    }

    @Test
    void aThreadStartedForGuestWorkByALoweredThreadStartsAtNormalPriority() throws Exception {
        // review of c3bdf78: a thread that inherited background attributes without being a
        // background thread (a virtual-thread carrier one started) must not pass them on to the
        // threads it starts for guest work
        long own = ThreadStats.nice();
        long[] s = onNewThread(() -> {
            Scheduling.background();                       // lowered, yet not a background thread
            CompletableFuture<long[]> child = new CompletableFuture<>();
            IoThreads.startPlatform("shear-test-child", () -> {
                try {
                    child.complete(new long[] {ThreadStats.nice(), ThreadStats.policy()});
                } catch (IOException e) {
                    child.completeExceptionally(e);
                }
            });
            return new long[] {Scheduling.lowered() ? 1 : 0, child.get(10, TimeUnit.SECONDS)[0],
                    child.get()[1]};
        });
        if (Scheduling.BACKGROUND_NICE > 0) {
            assertThat(s[0]).as("the starting thread is lowered").isEqualTo(1);
        }
        assertThat(s[1]).as("the started thread's nice value").isEqualTo(own);
        assertThat(s[2]).as("its policy").isNotEqualTo(ThreadStats.BATCH);
        assertThat(Scheduling.lowered()).as("this thread").isFalse();
    }

    @Test
    void aPoolThatRefusesWorkFromABackgroundThreadTellsTheCaller() throws Exception {
        // review of d2fd3c7: a refusal on the relay was lost, and write-behind's count of urgent
        // workers with it
        ExecutorService closed = Executors.newSingleThreadExecutor();
        closed.shutdown();
        long[] s = onNewThread(() -> {
            IoThreads.becomeBackground();
            try {
                IoThreads.submit(closed, () -> { });
                return new long[] {0};
            } catch (RejectedExecutionException e) {
                return new long[] {1};
            }
        });
        assertThat(s[0]).as("the background caller saw the refusal").isEqualTo(1);
    }

    @Test
    void aGuestThreadThatInheritedTheBackgroundPolicyGoesBackToTheNormalOne() throws Exception {
        long[] s = onNewThread(() -> {
            Scheduling.background();
            return onNewThread(() -> {              // inherits SCHED_BATCH and the nice value
                long before = ThreadStats.policy();
                Scheduling.shortSlice();
                return new long[] {before, ThreadStats.policy(), Scheduling.lowered() ? 1 : 0};
            });
        });
        if (Scheduling.BACKGROUND_NICE > 0) {
            assertThat(s[0]).as("inherited").isEqualTo(ThreadStats.BATCH);
            assertThat(s[2]).as("still lowered by its nice value, so it starts guest threads through the relay")
                    .isEqualTo(1);
        }
        assertThat(s[1]).as("after asking for the short slice").isNotEqualTo(ThreadStats.BATCH);
        assertThat(onNewThread(() -> {
            setNice((int) ThreadStats.nice() + 2);
            return new long[] {Scheduling.lowered() ? 1 : 0};
        })[0]).as("a raised nice value alone").isEqualTo(1);
    }

    @Test
    void threadsTheGuestPoolsStartForABackgroundThreadDoNotInheritItsNiceValue() throws Exception {
        long own = ThreadStats.nice();
        int helpers = 40;                       // more than stay idle: the pool must start threads
        long[] seen = on(IoThreads::background, () -> {
            java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(helpers);
            java.util.concurrent.ConcurrentLinkedQueue<Long> nices = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Runnable task = () -> {
                try {
                    nices.add(ThreadStats.nice());
                    all.countDown();
                    all.await(10, TimeUnit.SECONDS);     // each holds its thread until all run
                } catch (IOException | InterruptedException e) {
                    nices.add(-100L);
                }
            };
            for (int i = 0; i < helpers; i++) {
                IoThreads.helper(task);
            }
            CompletableFuture<Long> request = new CompletableFuture<>();
            IoThreads.request(() -> {
                try {
                    request.complete(ThreadStats.nice());
                } catch (IOException e) {
                    request.completeExceptionally(e);
                }
            });
            assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
            long[] r = new long[helpers + 2];
            int i = 0;
            for (long n : nices) {
                r[i++] = n;
            }
            r[i++] = request.get(10, TimeUnit.SECONDS);
            r[i] = ThreadStats.nice();
            return r;
        });
        assertThat(seen[helpers + 1]).as("the background thread").isEqualTo(Math.max(own, Scheduling.BACKGROUND_NICE));
        assertThat(java.util.Arrays.copyOf(seen, helpers + 1)).as("helper and request threads").containsOnly(own);
        // and every thread of the process that carries guest requests or deadlines
        assertThat(ThreadStats.nices("shear-io-", "shear-watchdog", "shear-io-relay")).isNotEmpty().containsOnly(own);
        assertThat(ThreadStats.nices("shear-backgroun")).isNotEmpty().containsOnly(Math.max(own, Scheduling.BACKGROUND_NICE));
    }

    private static long[] on(Consumer<Runnable> executor, Callable<long[]> body) throws Exception {
        CompletableFuture<long[]> seen = new CompletableFuture<>();
        executor.accept(() -> {
            try {
                seen.complete(body.call());
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        });
        return seen.get(20, TimeUnit.SECONDS);
    }

    private static long on(Consumer<Runnable> executor) throws Exception {
        CompletableFuture<Long> seen = new CompletableFuture<>();
        executor.accept(() -> {
            try {
                seen.complete(slice());
            } catch (IOException e) {
                seen.completeExceptionally(e);
            }
        });
        return seen.get(10, TimeUnit.SECONDS);
    }

    private static long[] onNewThread(Callable<long[]> body) throws Exception {
        CompletableFuture<long[]> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                seen.complete(body.call());
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        });
        return seen.get(10, TimeUnit.SECONDS);
    }

    /// The calling thread's scheduler slice in ns, -1 when the kernel does not show it.
    private static long slice() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/sched"))) {
            if (line.startsWith("se.slice")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return -1;
    }



    /// Raises the calling thread's nice value (allowed without privilege).
    private static void setNice(int nice) throws Exception {
        Linker linker = Linker.nativeLinker();
        MethodHandle setpriority = linker.downcallHandle(linker.defaultLookup().find("setpriority").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT));
        int rc;
        try {
            rc = (int) setpriority.invokeExact(0, 0, nice);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        assertThat(rc).as("setpriority").isZero();
    }

    private static boolean kernelAtLeast(int major, int minor) {
        String[] v = System.getProperty("os.version", "0.0").split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
        return ma > major || (ma == major && mi >= minor);
    }
}
