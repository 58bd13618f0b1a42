package dev.shear.datacenter.vzdump;

import dev.shear.datacenter.ProcessOwner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/// Another live process for tests (`sleep 600`), optionally holding a file open as its standard
/// input, and the [ProcessOwner] that names it. Closing kills it.
final class LiveProcess implements AutoCloseable {
    private final Process process;

    private LiveProcess(Process process) {
        this.process = process;
    }

    /// A process that holds nothing open.
    static LiveProcess start() throws IOException {
        return new LiveProcess(new ProcessBuilder("sleep", "600").start());
    }

    /// A process that holds `file` open.
    static LiveProcess holding(Path file) throws IOException {
        return new LiveProcess(new ProcessBuilder("sleep", "600").redirectInput(file.toFile()).start());
    }

    /// The process as a lock owner: pid and start time from `/proc/<pid>/stat` (field 22).
    ProcessOwner owner() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new ProcessOwner(ProcessOwner.current().host(), process.pid(), Long.parseLong(f[19]), Instant.now());
    }

    /// An owner that is certainly gone: this host, a pid no process has.
    static ProcessOwner dead() {
        return new ProcessOwner(ProcessOwner.current().host(), 999_999_999, 1, Instant.EPOCH);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
