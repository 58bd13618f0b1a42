package dev.shear.backup;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/// A deterministic-outcome guest for point-in-time tests: several threads write, zero and discard
/// 4 KiB blocks on several disks at once. Thread `t` owns the blocks whose index ≡ t (mod threads),
/// so clusters are shared between threads (stressing copy-before-write) while the final content of
/// every block is known: the last thing its owner did to it.
final class GuestLoad implements AutoCloseable {
    static final int BLOCK = 4096;

    private final List<BlockNode> disks;
    private final int threads;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    /// Per thread: (disk, block) → the 4 KiB it last wrote (all zero for zeroes/discards).
    private final List<Map<Long, byte[]>> last = new ArrayList<>();
    private final List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicLong ops = new AtomicLong();

    GuestLoad(List<BlockNode> disks, int threads, long seed) {
        this.disks = disks;
        this.threads = threads;
        for (int t = 0; t < threads; t++) {
            Map<Long, byte[]> mine = new HashMap<>();
            last.add(mine);
            final int id = t;
            final Random r = new Random(seed * 1000 + t);
            workers.add(Thread.ofPlatform().name("guest-" + t).start(() -> run(id, r, mine)));
        }
    }

    private void run(int id, Random r, Map<Long, byte[]> mine) {
        try {
            while (!stop.get()) {
                int d = r.nextInt(disks.size());
                BlockNode disk = disks.get(d);
                long blocks = disk.size() / BLOCK;
                long b = (r.nextLong(blocks / threads)) * threads + id;
                long key = ((long) d << 40) | b;
                int kind = r.nextInt(10);
                byte[] data = new byte[BLOCK];
                if (kind < 4) {
                    r.nextBytes(data);
                    disk.write(b * BLOCK, data);
                } else if (kind < 7) {                  // as an NBD write is served (BlockNode.submitWrite)
                    r.nextBytes(data);
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    disk.submitWrite(b * BLOCK, ByteBuffer.wrap(data), false, done);
                    done.join();
                } else if (kind < 9) {
                    disk.writeZeroes(b * BLOCK, BLOCK, r.nextBoolean());
                } else {
                    disk.discard(b * BLOCK, BLOCK);     // memory and raw nodes read zeroes after discard
                }
                mine.put(key, data);
                if (r.nextInt(8) == 0) {                // the guest reads what it just did (write-behind, decision 0023)
                    byte[] back = new byte[BLOCK];
                    disk.read(b * BLOCK, ByteBuffer.wrap(back));
                    if (!java.util.Arrays.equals(back, data)) {
                        throw new AssertionError("thread " + id + " read back block " + b + " of disk " + d
                                + " and did not find what it had just written");
                    }
                }
                ops.incrementAndGet();
                if ((ops.get() & 15) == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    /// Stops the threads and fails if any guest request failed.
    @Override
    public void close() throws IOException {
        stop.set(true);
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new IOException("a guest request failed: " + errors.get(0), errors.get(0));
        }
    }

    /// Applies every thread's final writes to copies of the disks' contents before the load.
    List<byte[]> expected(List<byte[]> before) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] b : before) {
            out.add(b.clone());
        }
        for (Map<Long, byte[]> mine : last) {
            for (var e : mine.entrySet()) {
                int d = (int) (e.getKey() >>> 40);
                long block = e.getKey() & ((1L << 40) - 1);
                System.arraycopy(e.getValue(), 0, out.get(d), (int) (block * BLOCK), BLOCK);
            }
        }
        return out;
    }
}
