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
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/// Asks the kernel for a short scheduler slice for the calling thread, so that when it wakes up
/// (a guest request arrived, its disk read completed) it preempts CPU-bound work instead of
/// waiting for that work's slice to end (decision 0017).
///
/// Linux's EEVDF scheduler (6.6 and later) lets a running task finish its slice before a woken
/// task of equal weight gets the CPU, and notices the slice's end only at the next timer tick: up
/// to 4 ms at 250 Hz. Since 6.12 a task may ask for a shorter slice with `sched_setattr`
/// (`sched_runtime` for `SCHED_OTHER`, no privilege needed), and a woken task with a shorter slice
/// than the running one preempts it. Shear asks for [#SLICE_NANOS] on the threads that carry guest
/// requests (NBD connections, the request pool, copy-before-write helpers) when they run under the
/// normal (or batch) policy, keeping policy and nice value, and with `SCHED_FLAG_RESET_ON_FORK` so
/// that threads they start (a backup job's CPU-bound copy and hash threads) get the default slice.
/// Older kernels ignore the field; where the call is refused (seccomp) nothing changes and one line
/// is logged; on other systems nothing happens. `-Dshear.short-slice=false` turns it off.
public final class ShortSlice {
    /// The slice asked for: below the kernel's default (0.75 ms × (1 + log2 CPUs), 1.5 ms on two
    /// CPUs, at most 3 ms) so that it preempts, long enough for a request's own work.
    public static final long SLICE_NANOS = 500_000;

    private static final Logger LOG = System.getLogger(ShortSlice.class.getName());
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

    private ShortSlice() {
    }

    private static VarHandle field(String name) {
        return ATTR.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    /// `long syscall(long number, long a, long b, long c)` with errno captured; null when off or
    /// unavailable (logged when [#forThisThread] is first called).
    private static MethodHandle syscall() {
        if (!Boolean.parseBoolean(System.getProperty("shear.short-slice", "true"))
                || !System.getProperty("os.name", "").equals("Linux") || CALLS == null) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        } catch (RuntimeException | Error e) {
            LOG.log(Level.INFO, "guest I/O threads keep the default scheduler slice: " + e);
            return null;
        }
    }

    /// Asks for the short slice for the calling thread; true when the kernel took the request
    /// (which a kernel before 6.12 does without acting on it). A thread under another policy than
    /// the normal or batch one is left as it is. Never throws.
    public static boolean forThisThread() {
        if (SYSCALL == null || refused) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment attr = arena.allocate(ATTR);
            long r = (long) SYSCALL.invokeExact(state, CALLS[1], 0L, attr, ATTR.byteSize(), 0L);
            if (r != 0) {
                return refuse("sched_getattr failed, errno " + (int) ERRNO.get(state, 0L));
            }
            int policy = (int) POLICY.get(attr, 0L);
            if (policy != SCHED_OTHER && policy != SCHED_BATCH) {
                return false;                                   // idle, real-time, deadline: not ours to change
            }
            SIZE.set(attr, 0L, (int) ATTR.byteSize());
            FLAGS.set(attr, 0L, SCHED_FLAG_RESET_ON_FORK);       // same policy and nice (from sched_getattr)
            RUNTIME.set(attr, 0L, SLICE_NANOS);
            r = (long) SYSCALL.invokeExact(state, CALLS[0], 0L, attr, 0L, 0L);
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
            LOG.log(Level.INFO, "guest I/O threads keep the default scheduler slice: " + why);
        }
        return false;
    }
}
