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

/// Runs [CrashDriver] in a child JVM and kills it with SIGKILL at one [Step] of the backup
/// lifecycle.
///
/// A step is either a **breakpoint** — the child runs under the Java debugger (JDWP); the parent
/// sets a breakpoint on entry to the method that begins the next step, and when the child stops
/// there (every thread suspended) it is killed, so it dies exactly between two steps — or a
/// **marker** line the child prints while the backup copies (slowed by a bandwidth limit), for
/// steps that are periods rather than instants. [Process#destroyForcibly()] sends SIGKILL on
/// Linux; the exit status 137 (128 + 9) is checked to prove it.
final class CrashHarness {
    /// Where the child dies. `hit` counts calls of the method (the second allocation …).
    enum Step {
        /// The guest is locked; nothing else happened.
        LOCKED("dev.shear.datacenter.vzdump.FleecingImages", "cleanupLeftovers", 1, null, 0),
        /// The archive directory and its empty images exist; no fleecing image is recorded.
        ARCHIVE_CREATED("dev.shear.datacenter.vzdump.FleecingImages", "allocate", 1, null, 0),
        /// Both fleecing images are recorded in the guest; neither file exists.
        FLEECING_RECORDED("dev.shear.datacenter.Storage", "allocate", 1, null, 0),
        /// The first fleecing image exists, the second does not.
        FLEECING_HALF_ALLOCATED("dev.shear.datacenter.Storage", "allocate", 2, null, 0),
        /// Both fleecing images exist and are open; the point in time is not taken yet.
        FLEECING_ALLOCATED("dev.shear.backup.GuestBackup", "prepare", 1, null, 0),
        /// The first disk is being copied (copy-before-write into the fleecing image as the guest writes).
        COPYING(null, null, 0, "copying scsi0", 1L << 20),
        /// The first disk is done, the second is being copied.
        FIRST_DISK_DONE(null, null, 0, "completed scsi0", 2L << 20),
        /// Every disk is copied; the fleecing images are still there.
        COPIED("dev.shear.datacenter.vzdump.FleecingImages", "release", 1, null, 0),
        /// The fleecing images are freed and un-recorded; the manifest is not written.
        FLEECING_RELEASED("dev.shear.datacenter.archive.Archives", "complete", 1, null, 0),
        /// The archive is complete; the guest is still locked.
        COMPLETED("dev.shear.datacenter.Guests", "unlock", 1, null, 0);

        final String className;
        final String method;
        final int hit;
        final String marker;
        final long bwlimit;

        Step(String className, String method, int hit, String marker, long bwlimit) {
            this.className = className;
            this.method = method;
            this.hit = hit;
            this.marker = marker;
            this.bwlimit = bwlimit;
        }
    }

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(90);

    private CrashHarness() {
    }

    /// Runs the child on datacenter `root` backing up guest `vmid` and kills it at `step`.
    static void crashAt(Path root, int vmid, Step step) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0",
                "-cp", System.getProperty("java.class.path"), CrashDriver.class.getName(), root.toString(),
                Integer.toString(vmid), Long.toString(step.bwlimit)).redirectErrorStream(true).start();
        Output out = new Output(child);
        try {
            String listening = out.next("Listening for transport dt_socket at address: ");
            VirtualMachine vm = attach(listening.substring(listening.lastIndexOf(' ') + 1));
            if (step.className != null) {
                List<ReferenceType> loaded = vm.classesByName(step.className);
                if (loaded.isEmpty()) {
                    ClassPrepareRequest r = vm.eventRequestManager().createClassPrepareRequest();
                    r.addClassFilter(step.className);
                    r.enable();
                } else {
                    breakAt(vm, loaded.getFirst(), step);
                }
            }
            vm.resume();
            waitForStep(vm, out, step);
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

    private static void breakAt(VirtualMachine vm, ReferenceType type, Step step) {
        List<com.sun.jdi.Method> methods = type.methodsByName(step.method);
        assertThat(methods).as("%s.%s", step.className, step.method).hasSize(1);
        Location at = methods.getFirst().location();
        BreakpointRequest r = vm.eventRequestManager().createBreakpointRequest(at);
        r.setSuspendPolicy(EventRequest.SUSPEND_ALL);
        if (step.hit > 1) {
            r.addCountFilter(step.hit);
        }
        r.enable();
    }

    /// Returns once the child is stopped at the step's breakpoint or has printed its marker.
    private static void waitForStep(VirtualMachine vm, Output out, Step step) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            if (step.marker != null && out.seen(step.marker)) {
                return;
            }
            EventSet events = vm.eventQueue().remove(20);
            if (events == null) {
                continue;
            }
            for (Event e : events) {
                switch (e) {
                    case ClassPrepareEvent p -> breakAt(vm, p.referenceType(), step);
                    case BreakpointEvent b -> {
                        return;
                    }
                    case VMDeathEvent d -> fail("the child ended before step " + step + ":\n" + out.text());
                    case VMDisconnectEvent d -> fail("the child ended before step " + step + ":\n" + out.text());
                    default -> {
                        // VM start and other events need no action
                    }
                }
            }
            events.resume();
        }
        fail("step " + step + " not reached within 90 s:\n" + out.text());
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
