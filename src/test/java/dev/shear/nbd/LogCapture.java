package dev.shear.nbd;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/// Collects the NBD server's log lines at INFO and above (System.Logger "dev.shear.nbd", backed
/// by java.util.logging in tests), so a test can check that a bad client costs exactly one line.
final class LogCapture extends Handler implements AutoCloseable {
    /// Held strongly so java.util.logging keeps our handler on it.
    private final Logger logger = Logger.getLogger("dev.shear.nbd");
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogCapture() {
        setLevel(Level.INFO);
        logger.addHandler(this);
    }

    static LogCapture start() {
        return new LogCapture();
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.INFO.intValue() && !r.getMessage().contains("NBD server")) {
            lines.add(r.getLevel() + " " + r.getMessage());
        }
    }

    /// Lines logged by connections (server start/stop lines left out).
    List<String> lines() {
        return List.copyOf(lines);
    }

    /// Waits (up to 20 s) until at least `n` lines were logged, and returns them.
    List<String> await(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (lines.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return lines();
    }

    @Override
    public void flush() {
        // nothing is buffered
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
