package dev.shear.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/// A file's dirty pages in the host's page cache, counted with `cachestat` (Linux 6.5). On an
/// older kernel the calling test is skipped on a laptop and fails in CI (`CI=true`).
public final class PageCache {
    private static final long SYS_CACHESTAT = 451;      // x86_64 and aarch64 (the generic table)
    private static final int ENOSYS = 38;
    private static final int EPERM = 1;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private PageCache() {
    }

    /// Pages of `file` that are dirty or being written back.
    public static long dirtyPages(Path file) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(file.toString()), 0);
            assertThat(fd).as("open %s", file).isNotNegative();
            try {
                MemorySegment range = arena.allocate(16);           // {off, len} = {0, 0}: the whole file
                MemorySegment stat = arena.allocate(40);            // nr_cache, nr_dirty, nr_writeback, ...
                MemorySegment errno = arena.allocate(Linker.Option.captureStateLayout());
                long rc = (long) SYSCALL.invokeExact(errno, SYS_CACHESTAT, fd, range, stat, 0);
                if (rc != 0) {
                    int e = errno.get(ValueLayout.JAVA_INT, 0);
                    if ((e == ENOSYS || e == EPERM) && !"true".equals(System.getenv("CI"))) {
                        Assumptions.abort("cachestat is not available here (Linux 6.5+, not blocked by seccomp)");
                    }
                    fail("cachestat of " + file + " failed, errno " + e);
                }
                return stat.get(ValueLayout.JAVA_LONG, 8) + stat.get(ValueLayout.JAVA_LONG, 16);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    /// Makes sure `file` is on a file system with writeback (not a tmpfs, whose pages never count
    /// as dirty): skips the test on a laptop, fails it in CI.
    public static void requireWriteback(Path file) throws java.io.IOException {
        String type = java.nio.file.Files.getFileStore(file).type();
        if (type.equals("tmpfs") || type.equals("ramfs")) {
            if ("true".equals(System.getenv("CI"))) {
                fail(file + " is on a " + type + ": page-cache writeback cannot be observed there");
            }
            Assumptions.abort(file + " is on a " + type + ": no writeback to observe");
        }
    }

    /// Waits up to `limit` for `file` to have no dirty pages; returns how many it still has.
    public static long awaitClean(Path file, Duration limit) throws Throwable {
        long deadline = System.nanoTime() + limit.toNanos();
        long dirty;
        while ((dirty = dirtyPages(file)) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return dirty;
    }
}
