package dev.shear.datacenter;

import dev.shear.block.NativeFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/// Detects a storage's [Capabilities] with a short-lived test file in its directory
/// (`.shear-probe-<pid>-<thread>`, removed afterwards, also on failure):
/// * **thin**: a file extended to 64 MiB with one byte written at its end occupies less than 1 MiB;
/// * **discard**: punching a hole into 1 MiB of written, synced data gives at least half of it back.
///
/// Each answer is detected once per probe. Thread-safe (the cached answers are guarded by `this`).
final class CapabilityProbe {
    private static final System.Logger LOG = System.getLogger(CapabilityProbe.class.getName());
    private static final long SPARSE_LENGTH = 64L << 20;
    private static final int DATA = 1 << 20;

    private final String storage;
    /// Guarded by `this`: the answers found so far, null until asked.
    private Boolean thin;
    private Boolean discard;

    CapabilityProbe(String storage) {
        this.storage = storage;
    }

    synchronized boolean thin(Path dir) throws IOException {
        if (thin == null) {
            thin = withProbeFile(dir, this::isSparse);
        }
        return thin;
    }

    synchronized boolean discard(Path dir) throws IOException {
        if (discard == null) {
            discard = withProbeFile(dir, this::punchesHoles);
        }
        return discard;
    }

    private interface Check {
        boolean test(FileChannel ch, NativeFile nf) throws IOException;
    }

    private boolean withProbeFile(Path dir, Check check) throws IOException {
        Path file = dir.resolve(".shear-probe-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); NativeFile nf = NativeFile.open(file, true)) {
            return check.test(ch, nf);
        } catch (IOException e) {
            throw new IOException("cannot detect the capabilities of storage '" + storage + "' with test file " + file
                    + " (" + e.getMessage() + "); set thin and discard in its definition to skip detection", e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private boolean isSparse(FileChannel ch, NativeFile nf) throws IOException {
        ch.write(ByteBuffer.wrap(new byte[] {1}), SPARSE_LENGTH - 1);
        ch.force(true);
        long used = nf.allocatedBytes();
        LOG.log(System.Logger.Level.DEBUG, "storage {0}: a {1}-byte sparse test file uses {2} bytes",
                storage, SPARSE_LENGTH, used);
        return used < DATA;
    }

    private boolean punchesHoles(FileChannel ch, NativeFile nf) throws IOException {
        byte[] data = new byte[DATA];
        Arrays.fill(data, (byte) 0x5a);
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            ch.write(buf, buf.position());
        }
        ch.force(true);
        long before = nf.allocatedBytes();
        try {
            nf.punchHole(0, DATA);
        } catch (IOException e) {
            // the answer is "no"; the reason goes to the log, where an operator asking why finds it
            LOG.log(System.Logger.Level.INFO, "storage {0}: punching a hole failed, so no discard: {1}",
                    storage, e.getMessage());
            return false;
        }
        long after = nf.allocatedBytes();
        LOG.log(System.Logger.Level.DEBUG, "storage {0}: punching 1 MiB of a test file: {1} -> {2} bytes",
                storage, before, after);
        return before >= DATA && after <= before - DATA / 2;
    }
}
