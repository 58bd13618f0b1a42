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
/// requests (NBD connections, the request pool, copy-before-write helpers). The thread's nice value
/// is kept. Older kernels ignore the field; where the call is refused (seccomp, another OS) nothing
/// changes and one line is logged. `-Dshear.short-slice=false` turns it off.
public final class ShortSlice {
    /// The slice asked for: below the kernel's default (0.75 ms × (1 + log2 CPUs), 1.5 ms on two
    /// CPUs, at most 3 ms) so that it preempts, long enough for a request's own work.
    public static final long SLICE_NANOS = 500_000;

    private static final Logger LOG = System.getLogger(ShortSlice.class.getName());
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("shear.short-slice", "true"))
            && System.getProperty("os.name", "").equals("Linux");
    private static final long SYS_SCHED_SETATTR = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> 314;
        case "aarch64" -> 274;
        default -> -1;
    };
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
    private static final VarHandle NICE = field("sched_nice");
    private static final VarHandle RUNTIME = field("sched_runtime");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL = ENABLED && SYS_SCHED_SETATTR > 0 ? Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno")) : null;
    private static final MethodHandle GETPRIORITY = SYSCALL == null ? null : Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getpriority").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static volatile boolean refused;

    private ShortSlice() {
    }

    private static VarHandle field(String name) {
        return ATTR.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    /// Asks for the short slice for the calling thread; true when the kernel took the request
    /// (which a kernel before 6.12 does without acting on it).
    public static boolean forThisThread() {
        if (SYSCALL == null || refused) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            ERRNO.set(state, 0L, 0);
            int nice = (int) GETPRIORITY.invokeExact(state, 0, 0);      // PRIO_PROCESS, 0 = this thread
            if (nice == -1 && (int) ERRNO.get(state, 0L) != 0) {
                return refuse("getpriority failed, errno " + (int) ERRNO.get(state, 0L));
            }
            MemorySegment attr = arena.allocate(ATTR);
            SIZE.set(attr, 0L, (int) ATTR.byteSize());
            NICE.set(attr, 0L, nice);                               // SCHED_OTHER, same nice
            RUNTIME.set(attr, 0L, SLICE_NANOS);
            long r = (long) SYSCALL.invokeExact(state, SYS_SCHED_SETATTR, 0, attr, 0);
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
