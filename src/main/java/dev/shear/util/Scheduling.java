package dev.shear.util;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/// The scheduler's view of Shear's threads, through `sched_setattr` (Linux, no privilege needed).
///
/// **Short slice** ([#shortSlice], decision 0017): the threads that carry guest requests (NBD
/// connections, the request pool, helpers a request waits for) ask for a short slice, so that
/// when they wake up (a guest request arrived, its disk read completed) they preempt CPU-bound work
/// instead of waiting for that work's slice to end. Linux's EEVDF scheduler (6.6 and later) lets a
/// running task finish its slice before a woken task of equal weight gets the CPU, and notices the
/// slice's end only at the next timer tick: up to 4 ms at 250 Hz. Since 6.12 a task may ask for a
/// shorter slice (`sched_runtime` for `SCHED_OTHER`), and a woken task with a shorter slice than the
/// running one preempts it. Policy and nice value are kept, with `SCHED_FLAG_RESET_ON_FORK` so that
/// threads they start get the default slice.
///
/// **Background** ([#background], decision 0024): a backup's own CPU work that no guest request
/// waits for (the job's copy workers, copy-before-write write-behind) runs under `SCHED_BATCH` with
/// nice [#BACKGROUND_NICE]: it never preempts a guest thread on waking, and under contention gets
/// about a tenth of the CPU a guest thread gets, while it has the CPU to itself when the guest is
/// idle. Raising the nice value is one-way without privilege, so only dedicated threads do it.
///
/// Older kernels ignore the slice; where a call is refused (seccomp) nothing changes and one line
/// is logged; on other systems nothing happens. `-Dshear.short-slice=false` and
/// `-Dshear.background-nice=0` turn either off.
public final class Scheduling {
    /// The slice asked for: below the kernel's default (0.75 ms × (1 + log2 CPUs), 1.5 ms on two
    /// CPUs, at most 3 ms) so that it preempts, long enough for a request's own work.
    public static final long SLICE_NANOS = 500_000;

    /// The nice value of background threads: weight 110 against a nice-0 thread's 1024.
    public static final int BACKGROUND_NICE = Integer.getInteger("shear.background-nice", 10);

    private static final Logger LOG = System.getLogger(Scheduling.class.getName());
    private static final int SCHED_OTHER = 0;
    private static final int SCHED_BATCH = 3;
    private static final long SCHED_FLAG_RESET_ON_FORK = 0x01;
    /// `struct sched_attr` as of Linux 3.14 (`SCHED_ATTR_SIZE_VER0`, 48 bytes).
    private static final StructLayout ATTR = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("size"),
            ValueLayout.JAVA_INT.withName("sched_policy"),
            ValueLayout.JAVA_LONG.withName("sched_flags"),
            ValueLayout.JAVA_INT.withName("sched_nice"),
            ValueLayout.JAVA_INT.withName("sched_priority"),
            ValueLayout.JAVA_LONG.withName("sched_runtime"),
            ValueLayout.JAVA_LONG.withName("sched_deadline"),
            ValueLayout.JAVA_LONG.withName("sched_period"));
    private static final VarHandle SIZE = field("size");
    private static final VarHandle POLICY = field("sched_policy");
    private static final VarHandle FLAGS = field("sched_flags");
    private static final VarHandle NICE = field("sched_nice");
    private static final VarHandle RUNTIME = field("sched_runtime");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /// {sched_setattr, sched_getattr} for this architecture, or null.
    private static final long[] CALLS = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> new long[] {314, 315};
        case "aarch64" -> new long[] {274, 275};
        default -> null;
    };
    private static final MethodHandle SYSCALL = syscall();
    private static volatile boolean refused;
    /// The process's own nice value (its main thread's, from `/proc/self/stat`), 0 if unknown.
    private static final int BASE_NICE = baseNice();
    private static volatile boolean warnedInherited;

    private Scheduling() {
    }

    private static int baseNice() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static VarHandle field(String name) {
        return ATTR.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    /// `long syscall(long number, long a, long b, long c)` with errno captured; null when
    /// unavailable (logged when first asked for).
    private static MethodHandle syscall() {
        if (!System.getProperty("os.name", "").equals("Linux") || CALLS == null) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        } catch (RuntimeException | Error e) {
            LOG.log(Level.INFO, "threads keep the scheduler's defaults: " + e);
            return null;
        }
    }

    /// Asks for the short slice for the calling thread; true when the kernel took the request
    /// (which a kernel before 6.12 does without acting on it). A thread under another policy than
    /// the normal or batch one is left as it is. Never throws.
    ///
    /// A thread that inherited a background thread's attributes (it was started by one, or by a
    /// virtual-thread carrier one started) is a bug in how it was started ([IoThreads#startPlatform]):
    /// it goes back to the normal policy, and since its nice value cannot be lowered without
    /// privilege, one warning is logged.
    public static boolean shortSlice() {
        if (!Boolean.parseBoolean(System.getProperty("shear.short-slice", "true"))) {
            return false;
        }
        return change(attr -> {
            int nice = (int) NICE.get(attr, 0L);
            if ((int) POLICY.get(attr, 0L) == SCHED_BATCH || nice > BASE_NICE) {
                POLICY.set(attr, 0L, SCHED_OTHER);
                warnInherited(nice);
            }
            FLAGS.set(attr, 0L, SCHED_FLAG_RESET_ON_FORK);       // same nice (from sched_getattr)
            RUNTIME.set(attr, 0L, SLICE_NANOS);
        });
    }

    private static void warnInherited(int nice) {
        if (!warnedInherited) {
            warnedInherited = true;
            LOG.log(Level.WARNING, "thread '" + Thread.currentThread().getName() + "' carries guest requests but "
                    + "was started by a background thread: it runs at nice " + nice + " (reported once)");
        }
    }

    /// Whether the calling thread runs under the background policy ([#background]) or at a higher
    /// nice value than the process started with, its own or inherited from the thread that
    /// started it. False where the attributes cannot be read.
    public static boolean lowered() {
        if (SYSCALL == null || refused) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR);
            return getattr(arena, attr)
                    && ((int) POLICY.get(attr, 0L) == SCHED_BATCH || (int) NICE.get(attr, 0L) > BASE_NICE);
        }
    }

    /// `sched_getattr` of the calling thread into `attr`; false (logged once) when refused.
    private static boolean getattr(Arena arena, MemorySegment attr) {
        MemorySegment state = arena.allocate(CAPTURE);
        try {
            long r = (long) SYSCALL.invokeExact(state, CALLS[1], 0L, attr, ATTR.byteSize(), 0L);
            return r == 0 || refuse("sched_getattr failed, errno " + (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            return refuse(t.toString());
        }
    }

    /// Makes the calling thread a background thread: `SCHED_BATCH`, the default slice, and nice
    /// [#BACKGROUND_NICE] unless it already has a higher one. True when the kernel took it. Cannot
    /// be undone without privilege, and threads the caller starts from then on inherit it: only for
    /// threads that do nothing else for their whole life. Never throws.
    public static boolean background() {
        if (BACKGROUND_NICE <= 0) {
            return false;
        }
        IoThreads.beforeLowering();
        return change(attr -> {
            POLICY.set(attr, 0L, SCHED_BATCH);
            FLAGS.set(attr, 0L, 0L);
            RUNTIME.set(attr, 0L, 0L);
            NICE.set(attr, 0L, Math.max((int) NICE.get(attr, 0L), Math.min(19, BACKGROUND_NICE)));
        });
    }

    /// Reads the calling thread's attributes, lets `edit` change them, writes them back; a thread
    /// under another policy than the normal or batch one is left as it is.
    private static boolean change(Consumer<MemorySegment> edit) {
        if (SYSCALL == null || refused) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment attr = arena.allocate(ATTR);
            if (!getattr(arena, attr)) {
                return false;
            }
            int policy = (int) POLICY.get(attr, 0L);
            if (policy != SCHED_OTHER && policy != SCHED_BATCH) {
                return false;                                   // idle, real-time, deadline: not ours to change
            }
            SIZE.set(attr, 0L, (int) ATTR.byteSize());
            edit.accept(attr);
            long r = (long) SYSCALL.invokeExact(state, CALLS[0], 0L, attr, 0L, 0L);
            if (r != 0) {
                return refuse("sched_setattr failed, errno " + (int) ERRNO.get(state, 0L));
            }
            return true;
        } catch (Throwable t) {
            return refuse(t.toString());
        }
    }

    private static boolean refuse(String why) {
        if (!refused) {
            refused = true;
            LOG.log(Level.INFO, "threads keep the scheduler's defaults: " + why);
        }
        return false;
    }
}
