package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// A flush runs beside reads and writes: it neither waits for those in flight nor holds up new
/// ones, and closing waits for it.
class Qcow2FlushTest {
    private static final long SIZE = 8L << 20;

    @TempDir
    Path dir;

    /// Forwards to a real host file; a read or a force can be made to wait on a latch.
    private static final class GatedHostFile extends ForwardingHostFile {
        volatile CountDownLatch readGate;
        volatile CountDownLatch forceGate;
        final CountDownLatch readWaiting = new CountDownLatch(1);
        final CountDownLatch forceWaiting = new CountDownLatch(1);

        GatedHostFile(HostFile file) {
            super(file);
        }

        private static void pass(CountDownLatch gate, CountDownLatch waiting) throws IOException {
            if (gate == null) {
                return;
            }
            waiting.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("test gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            pass(readGate, readWaiting);
            file.read(position, dst);
        }

        @Override
        public void force() throws IOException {
            pass(forceGate, forceWaiting);
            file.force();
        }
    }

    /// An I/O call of the node under test.
    private interface Call<T> {
        T call() throws IOException;
    }

    /// Runs `c` on a platform thread of its own (the common pool may have a single worker).
    private static <T> CompletableFuture<T> async(Call<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                f.complete(c.call());
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private GatedHostFile image() throws IOException {
        Path p = dir.resolve("img.qcow2");
        try (Qcow2Node n = Qcow2Node.create(p, Qcow2Options.of(SIZE))) {
            n.write(0, ByteBuffer.wrap(new byte[65536]).put(0, (byte) 7), false);
        }
        return new GatedHostFile(ChannelHostFile.open(p, true));
    }

    @Test
    void aFlushDoesNotWaitForAReadInFlight() throws Exception {
        GatedHostFile host = image();
        try (Qcow2Node n = Qcow2Node.open(host, true, Qcow2CacheSize.DEFAULT, 0)) {
            n.read(4096, ByteBuffer.allocate(4096));    // the L2 table is cached: the gated read is data
            CountDownLatch gate = new CountDownLatch(1);
            host.readGate = gate;
            CompletableFuture<Byte> read = async(() -> {
                ByteBuffer b = ByteBuffer.allocate(4096);
                n.read(0, b);
                return b.get(0);
            });
            assertThat(host.readWaiting.await(10, TimeUnit.SECONDS)).as("the read reached the file").isTrue();
            host.readGate = null;
            CompletableFuture<Void> flush = async(() -> {
                n.flush();
                return null;
            });
            flush.get(10, TimeUnit.SECONDS);             // with the write lock it waited for the read
            assertThat(read).isNotDone();
            gate.countDown();
            assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo((byte) 7);
        }
    }

    @Test
    void closeWaitsForAFlushInFlight() throws Exception {
        GatedHostFile host = image();
        Qcow2Node n = Qcow2Node.open(host, true, Qcow2CacheSize.DEFAULT, 0);
        CountDownLatch gate = new CountDownLatch(1);
        host.forceGate = gate;
        CompletableFuture<Void> flush = async(() -> {
            n.flush();
            return null;
        });
        assertThat(host.forceWaiting.await(10, TimeUnit.SECONDS)).isTrue();
        host.forceGate = null;                           // close's own fsync passes
        CompletableFuture<Void> close = async(() -> {
            n.close();
            return null;
        });
        Thread.sleep(200);
        assertThat(close).as("close waits for the flush in flight").isNotDone();
        gate.countDown();
        flush.get(10, TimeUnit.SECONDS);
        close.get(10, TimeUnit.SECONDS);
    }
}
