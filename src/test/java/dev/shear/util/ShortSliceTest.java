package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// Decision 0017: the threads that carry guest requests ask for a short scheduler slice and keep
/// their nice value. Kernels that show a task's slice (`se.slice` in `/proc/thread-self/sched`,
/// Linux 6.6 and later) must show the one asked for.
@Timeout(30)
class ShortSliceTest {
    @Test
    void aThreadGetsTheShortSliceAndKeepsItsNiceValue() throws Exception {
        CompletableFuture<long[]> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                long niceBefore = nice();
                boolean taken = ShortSlice.forThisThread();
                seen.complete(new long[] {niceBefore, nice(), taken ? 1 : 0, slice().orElse(-1)});
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        });
        long[] s = seen.get(10, TimeUnit.SECONDS);
        assertThat(s[1]).as("nice value after").isEqualTo(s[0]);
        if (s[3] >= 0) {                        // the kernel shows slices: it must be ours
            assertThat(s[2]).as("sched_setattr accepted").isEqualTo(1);
            assertThat(s[3]).isEqualTo(ShortSlice.SLICE_NANOS);
        }
    }

    @Test
    void requestPoolAndHelperThreadsRunWithTheShortSlice() throws Exception {
        assertThat(on(IoThreads::request)).isIn(ShortSlice.SLICE_NANOS, -1L);
        assertThat(on(IoThreads::helper)).isIn(ShortSlice.SLICE_NANOS, -1L);
        if (slice().isPresent()) {
            assertThat(on(IoThreads::request)).isEqualTo(ShortSlice.SLICE_NANOS);
            assertThat(on(IoThreads::helper)).isEqualTo(ShortSlice.SLICE_NANOS);
        }
    }

    @Test
    void otherThreadsKeepTheDefaultSlice() throws Exception {
        CompletableFuture<Long> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                seen.complete(slice().orElse(-1));
            } catch (IOException e) {
                seen.completeExceptionally(e);
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isNotEqualTo(ShortSlice.SLICE_NANOS);
    }

    private static long on(java.util.function.Consumer<Runnable> executor) throws Exception {
        CompletableFuture<Long> seen = new CompletableFuture<>();
        executor.accept(() -> {
            try {
                seen.complete(slice().orElse(-1));
            } catch (IOException e) {
                seen.completeExceptionally(e);
            }
        });
        return seen.get(10, TimeUnit.SECONDS);
    }

    /// The calling thread's scheduler slice in ns, when the kernel shows it.
    static OptionalLong slice() throws IOException {
        Path sched = Path.of("/proc/thread-self/sched");
        if (!Files.exists(sched)) {
            return OptionalLong.empty();
        }
        for (String line : Files.readAllLines(sched)) {
            if (line.startsWith("se.slice")) {
                return OptionalLong.of(Long.parseLong(line.substring(line.indexOf(':') + 1).trim()));
            }
        }
        return OptionalLong.empty();
    }

    /// The calling thread's nice value (field 19 of `/proc/thread-self/stat`).
    private static long nice() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[16]);
    }
}
