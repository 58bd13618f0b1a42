package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/// A [HostFile] that dies like a killed process: the `crashAt`-th change (write or hole punch) and
/// every one after it, and every flush, throw instead of reaching the file. What was written before
/// stays, as the page cache keeps it when a process is killed. Also records where each write went.
/// As a [#transientFault], only the `crashAt`-th change fails (a full disk that frees up again).
final class CrashingHostFile extends ForwardingHostFile {
    private final long crashAt;
    private final boolean once;
    /// Per change so far, in order: the offset written, or -1 for a hole punch.
    private final List<Long> log = new ArrayList<>();
    private long changes;
    private boolean crashed;

    /// Crashes at the `crashAt`-th change (1-based); `Long.MAX_VALUE` never crashes.
    CrashingHostFile(HostFile file, long crashAt) {
        this(file, crashAt, false);
    }

    private CrashingHostFile(HostFile file, long crashAt, boolean once) {
        super(file);
        this.crashAt = crashAt;
        this.once = once;
    }

    /// Fails only the `failAt`-th change; everything before and after reaches the file.
    static CrashingHostFile transientFault(HostFile file, long failAt) {
        return new CrashingHostFile(file, failAt, true);
    }

    private synchronized void change(long writeOffset) throws IOException {
        changes++;
        log.add(writeOffset);
        if (once) {
            if (changes == crashAt) {
                throw new IOException("simulated write error at change " + changes + " of " + file.path());
            }
            return;
        }
        if (changes >= crashAt) {
            crashed = true;
        }
        if (crashed) {
            throw new IOException("simulated crash at change " + changes + " of " + file.path());
        }
    }

    synchronized long changes() {
        return changes;
    }

    synchronized boolean crashed() {
        return crashed;
    }

    /// Per change so far (the crashing one included): the offset written, or -1 for a hole punch.
    synchronized List<Long> log() {
        return List.copyOf(log);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
        change(position);
        file.write(position, src);
    }

    @Override
    public synchronized void force() throws IOException {
        if (crashed) {
            throw new IOException("simulated crash: no flush after it");
        }
        file.force();
    }

    @Override
    public void punchHole(long position, long length) throws IOException {
        change(-1);
        file.punchHole(position, length);
    }
}
