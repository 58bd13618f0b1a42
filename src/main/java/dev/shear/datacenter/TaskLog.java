package dev.shear.datacenter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/// The log of one running task (`tasks/<task id>.log`), written by the process that runs it.
///
/// Each line is `<UTC time, ms> <text>` and reaches the file (not a buffer) before [#log]
/// returns, so another process reading the log sees it. The last line of a finished task is its
/// result: `<time> TASK OK` or `<time> TASK ERROR: <message>`, written and synced by [#ok] or
/// [#fail]. Logged text can never look like a result line (a logged line starting with `TASK `
/// is indented by one space). [#close] without a result records `TASK ERROR: task ended without
/// a result`, so try-with-resources never leaves a task that looks forever running.
///
/// Thread-safe: every method is synchronized.
public final class TaskLog implements AutoCloseable {
    static final String OK_LINE = "TASK OK";
    static final String ERROR_PREFIX = "TASK ERROR: ";
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final TaskId id;
    /// Guarded by `this`: the open log file; closed once finished.
    private final FileChannel channel;
    /// Guarded by `this`: set once the result line is written.
    private boolean finished;

    TaskLog(TaskId id, FileChannel channel) {
        this.id = id;
        this.channel = channel;
    }

    /// The task's id.
    public TaskId id() {
        return id;
    }

    /// Appends `text` (each of its lines timestamped).
    ///
    /// @throws IllegalStateException after the task finished
    public synchronized void log(String text) throws IOException {
        ensureRunning();
        StringBuilder out = new StringBuilder();
        String time = TIME.format(Instant.now());
        for (String line : text.split("\\R", -1)) {
            out.append(time).append(' ').append(line.startsWith("TASK ") ? " " : "").append(line).append('\n');
        }
        write(out.toString());
    }

    /// Records success and closes the log.
    public synchronized void ok() throws IOException {
        finish(OK_LINE);
    }

    /// Records failure with `message` (on one line) and closes the log.
    public synchronized void fail(String message) throws IOException {
        String oneLine = message == null || message.isBlank() ? "unknown error" : message.strip().replaceAll("\\R+", " ");
        finish(ERROR_PREFIX + oneLine);
    }

    /// Records `TASK ERROR: task ended without a result` unless a result was recorded.
    @Override
    public synchronized void close() throws IOException {
        if (!finished) {
            fail("task ended without a result");
        }
    }

    private void finish(String resultLine) throws IOException {
        ensureRunning();
        finished = true;
        try (FileChannel ch = channel) {
            write(TIME.format(Instant.now()) + " " + resultLine + "\n");
            ch.force(true);
        }
    }

    private void ensureRunning() {
        if (finished) {
            throw new IllegalStateException("task " + id + " has finished; its log is closed");
        }
    }

    private void write(String s) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }
}
