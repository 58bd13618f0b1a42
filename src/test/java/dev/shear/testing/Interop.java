package dev.shear.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/// Runs real tools (`qemu-img`, `qemu-io`, `nbdinfo`, `fio`, …) from interop tests.
///
/// A missing tool skips the test on a developer's machine but fails it in CI (`CI=true`), so a
/// green CI run always means the tools were there and agreed.
public final class Interop {
    private Interop() {
    }

    /// The output and exit code of a finished tool run.
    public record Result(int exitCode, String stdout, String stderr) {
        /// Fails the test unless the tool exited 0.
        public Result ok() {
            if (exitCode != 0) {
                fail("tool exited " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    /// True in CI, where every interop tool must be present.
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /// The absolute path of `tool` on the PATH; skips the test (fails it in CI) when missing.
    public static String require(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String msg = tool + " is not installed (Debian: apt-get install " + packageOf(tool) + ")";
        if (inCi()) {
            fail(msg + " — required in CI");
        }
        Assumptions.abort(msg);
        return null;
    }

    private static String packageOf(String tool) {
        return switch (tool) {
            case "qemu-img", "qemu-io", "qemu-nbd" -> "qemu-utils";
            case "nbdinfo", "nbdcopy" -> "libnbd-bin";
            case "qemu-storage-daemon" -> "qemu-system-x86";
            case "xvfb-run" -> "xvfb";
            default -> tool;
        };
    }

    /// Runs `tool args…` with a 120 s limit and returns what it printed.
    public static Result run(String tool, String... args) throws IOException {
        return runWithTimeout(120, tool, args);
    }

    /// Runs `tool args…`, killing it after `seconds`; a timeout fails the test.
    public static Result runWithTimeout(long seconds, String tool, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(require(tool));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        // read both streams concurrently so a chatty tool never blocks on a full pipe
        var errText = new StringBuilder();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                errText.append(new String(err.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                errText.append("(stderr unreadable: ").append(e).append(')');
            }
        });
        String stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish within " + seconds + " s");
            }
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + tool, e);
        }
        return new Result(p.exitValue(), stdout, errText.toString());
    }
}
