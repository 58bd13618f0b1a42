package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.Location;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/// Runs [CrashDriver] in a child JVM and kills it with SIGKILL at one [Point] of its work (a
/// [Step] of the backup lifecycle, or of a restore).
///
/// A step is either a **breakpoint** — the child runs under the Java debugger (JDWP); the parent
/// sets a breakpoint on entry to the method that begins the next step, and when the child stops
/// there (every thread suspended) it is killed, so it dies exactly between two steps — or a
/// **marker** line the child prints while the backup copies (slowed by a bandwidth limit), for
/// steps that are periods rather than instants. [Process#destroyForcibly()] sends SIGKILL on
/// Linux; the exit status 137 (128 + 9) is checked to prove it.
final class CrashHarness {
    /// Where a child dies: on entry to the `hit`-th call of `method` of `className`, or (when
    /// `className` is null) once it printed the line `marker`.
    record Point(String className, String method, int hit, String marker) {
        static Point entry(String className, String method, int hit) {
            return new Point(className, method, hit, null);
        }

        static Point marker(String line) {
            return new Point(null, null, 0, line);
        }
    }

    /// The steps of a backup with fleecing where [CrashDriver] dies.
    enum Step {
        /// The guest is locked; nothing else happened.
        LOCKED(Point.entry("dev.shear.datacenter.vzdump.FleecingImages", "cleanupLeftovers", 1), 0),
        /// The archive directory and its empty images exist; no fleecing image is recorded.
        ARCHIVE_CREATED(Point.entry("dev.shear.datacenter.vzdump.FleecingImages", "allocate", 1), 0),
        /// Both fleecing images are recorded in the guest; neither file exists.
        FLEECING_RECORDED(Point.entry("dev.shear.datacenter.Storage", "allocateWithClusters", 1), 0),
        /// The first fleecing image exists, the second does not.
        FLEECING_HALF_ALLOCATED(Point.entry("dev.shear.datacenter.Storage", "allocateWithClusters", 2), 0),
        /// Both fleecing images exist and are open; the point in time is not taken yet.
        FLEECING_ALLOCATED(Point.entry("dev.shear.backup.GuestBackup", "prepare", 1), 0),
        /// The first disk is being copied (copy-before-write into the fleecing image as the guest writes).
        COPYING(Point.marker("copying scsi0"), 1L << 20),
        /// The first disk is done, the second is being copied.
        FIRST_DISK_DONE(Point.marker("completed scsi0"), 2L << 20),
        /// Every disk is copied; the fleecing images are still there.
        COPIED(Point.entry("dev.shear.datacenter.vzdump.FleecingImages", "release", 1), 0),
        /// The fleecing images are freed and un-recorded; the manifest is not written.
        FLEECING_RELEASED(Point.entry("dev.shear.datacenter.archive.Archives", "complete", 1), 0),
        /// The archive is complete; the guest is still locked.
        COMPLETED(Point.entry("dev.shear.datacenter.Guests", "unlock", 1), 0);

        final Point point;
        final long bwlimit;

        Step(Point point, long bwlimit) {
            this.point = point;
            this.bwlimit = bwlimit;
        }
    }

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(90);

    private CrashHarness() {
    }

    /// Runs [CrashDriver] backing up guest `vmid` of datacenter `root` and kills it at `step`.
    static void crashAt(Path root, int vmid, Step step) throws Exception {
        crashAt(step.point, "backup", root.toString(), Integer.toString(vmid), Long.toString(step.bwlimit));
    }

    /// Runs `CrashDriver args…` in a child JVM under the debugger and kills it at `point`.
    static void crashAt(Point point, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0",
                "-cp", System.getProperty("java.class.path"), CrashDriver.class.getName()));
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Output out = new Output(child);
        try {
            String listening = out.next("Listening for transport dt_socket at address: ");
            VirtualMachine vm = attach(listening.substring(listening.lastIndexOf(' ') + 1));
            if (point.className() != null) {
                List<ReferenceType> loaded = vm.classesByName(point.className());
                if (loaded.isEmpty()) {
                    ClassPrepareRequest r = vm.eventRequestManager().createClassPrepareRequest();
                    r.addClassFilter(point.className());
                    r.enable();
                } else {
                    breakAt(vm, loaded.getFirst(), point);
                }
            }
            vm.resume();
            waitFor(vm, out, point);
            child.destroyForcibly();
            assertThat(child.waitFor()).as("killed by SIGKILL (exit status 128 + 9)").isEqualTo(137);
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    private static VirtualMachine attach(String port) throws Exception {
        AttachingConnector c = Bootstrap.virtualMachineManager().attachingConnectors().stream()
                .filter(a -> a.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
        Map<String, Connector.Argument> args = c.defaultArguments();
        args.get("hostname").setValue("127.0.0.1");
        args.get("port").setValue(port);
        return c.attach(args);
    }

    private static void breakAt(VirtualMachine vm, ReferenceType type, Point point) {
        List<com.sun.jdi.Method> methods = type.methodsByName(point.method());
        assertThat(methods).as("%s.%s", point.className(), point.method()).hasSize(1);
        Location at = methods.getFirst().location();
        BreakpointRequest r = vm.eventRequestManager().createBreakpointRequest(at);
        r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        if (point.hit() > 1) {
            r.addCountFilter(point.hit());
        }
        r.enable();
    }

    /// Returns once the child is stopped at the point's breakpoint or has printed its marker.
    private static void waitFor(VirtualMachine vm, Output out, Point point) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            if (point.marker() != null && out.seen(point.marker())) {
                return;
            }
            EventSet events = vm.eventQueue().remove(20);
            if (events == null) {
                continue;
            }
            for (Event e : events) {
                switch (e) {
                    case ClassPrepareEvent p -> breakAt(vm, p.referenceType(), point);
                    case BreakpointEvent b -> {
                        return;
                    }
                    case VMDeathEvent d -> fail("the child ended before " + point + ":\n" + out.text());
                    case VMDisconnectEvent d -> fail("the child ended before " + point + ":\n" + out.text());
                    default -> {
                        // VM start and other events need no action
                    }
                }
            }
            events.resume();
        }
        fail(point + " not reached within 90 s:\n" + out.text());
    }

    /// The child's output, read on a thread of its own (a full pipe would stall the child).
    private static final class Output {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer all = new StringBuffer();

        Output(Process p) {
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        all.append(l).append('\n');
                        lines.add(l);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /// Waits for the next line starting with `prefix` (skipping others).
        String next(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (System.nanoTime() < deadline) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
            }
            return fail("the child never printed '" + prefix + "':\n" + text());
        }

        boolean seen(String line) {
            return text().lines().anyMatch(line::equals);
        }

        String text() {
            return all.toString();
        }
    }
}
