package dev.shear.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/// A small tmpfs for tests that need a full file system. Mounting needs root: elsewhere the test is
/// skipped, but in CI (which runs as root) a failed mount fails the test.
public final class TinyTmpfs {
    private TinyTmpfs() {
    }

    /// Mounts a tmpfs of `size` (e.g. `1m`) on the empty directory `dir`, or skips the test.
    public static void mount(Path dir, String size) throws IOException {
        boolean root = (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        if (!root) {
            if (Interop.inCi()) {
                fail("CI must run as root to mount a tmpfs for the full-storage test");
            }
            Assumptions.abort("mounting a " + size + " tmpfs needs root; run as root (as CI does) to test full storage");
        }
        Interop.Result r = Interop.run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        if (r.exitCode() != 0) {
            String msg = "cannot mount a tmpfs on " + dir + ": " + r.stderr().strip();
            if (Interop.inCi()) {
                fail(msg);
            }
            Assumptions.abort(msg);
        }
    }

    /// Unmounts `dir` if [#mount] mounted it (a mount point is on another store than its parent).
    public static void unmount(Path dir) throws IOException {
        if (!Files.getFileStore(dir).equals(Files.getFileStore(dir.getParent()))) {
            Interop.run("umount", dir.toString()).ok();
        }
    }
}
