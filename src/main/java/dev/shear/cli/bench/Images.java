package dev.shear.cli.bench;

import dev.shear.block.BlockNode;
import dev.shear.block.RawFileNode;
import dev.shear.block.RawOptions;
import dev.shear.copy.BlockCopy;
import dev.shear.copy.CopyOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/// Test images for benchmarks and the engine copy used to measure them.
final class Images {
    static final int MIB = 1 << 20;

    private Images() {
    }

    /// A raw image like the peer's: 1 MiB random-data extents each followed by a 64 KiB hole
    /// (about 94 % allocated), flushed.
    static void makeSource(Path file, long size, long seed) throws IOException {
        try (RawFileNode n = RawFileNode.create(file, size)) {
            SplittableRandom r = new SplittableRandom(seed);
            ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
            byte[] chunk = new byte[MIB];
            for (long off = 0; off + MIB <= size; off += MIB + 65536) {
                r.nextBytes(chunk);
                buf.clear();
                buf.put(chunk).flip();
                n.write(off, buf, false);
            }
            n.flush();
        }
    }

    /// Writes `size` bytes of `pattern` to `node` sequentially in 1 MiB requests, then flushes.
    static void writeSequentially(BlockNode node, byte[] pattern) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
        for (long off = 0; off < node.size(); off += MIB) {
            buf.clear();
            buf.put(pattern, 0, (int) Math.min(MIB, node.size() - off)).flip();
            node.write(off, buf, false);
        }
        node.flush();
    }

    /// Reads the whole node sequentially in 1 MiB requests.
    static void readSequentially(BlockNode node) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(MIB);
        for (long off = 0; off < node.size(); off += MIB) {
            buf.clear().limit((int) Math.min(MIB, node.size() - off));
            node.read(off, buf);
        }
    }

    /// Copies `src` to `dst` with the engine's block-copy on `workers` threads, then flushes `dst`.
    static void engineCopy(BlockNode src, BlockNode dst, int workers) throws Exception {
        BlockCopy copy = BlockCopy.create(src, dst, CopyOptions.defaults(), null);
        List<Thread> threads = new ArrayList<>();
        List<Exception> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        BlockCopy.Control control = new BlockCopy.Control() {
            @Override
            public boolean awaitRunnable() {
                return errors.isEmpty();
            }

            @Override
            public void failed(Exception error) {
                errors.add(error);
            }

            @Override
            public boolean stopping() {
                return !errors.isEmpty();
            }
        };
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofPlatform().start(() -> copy.backgroundWorker(control)));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
        dst.flush();
    }

    /// Runs the code paths being measured once on a small scratch image, so the first repetition
    /// does not pay for the JIT compiler.
    static void warmUp(Path scratch) throws Exception {
        Path src = scratch.resolve("warmup.raw");
        Path dst = scratch.resolve("warmup.qcow2");
        try {
            makeSource(src, 128L << 20, 1);
            for (int i = 0; i < 3; i++) {
                java.nio.file.Files.deleteIfExists(dst);
                try (RawFileNode s = openRaw(src);
                     dev.shear.block.qcow2.Qcow2Node d = dev.shear.block.qcow2.Qcow2Node.create(dst,
                             dev.shear.block.qcow2.Qcow2Options.of(s.size()))) {
                    engineCopy(s, d, 4);
                    readSequentially(d);
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(src);
            java.nio.file.Files.deleteIfExists(dst);
        }
    }

    static RawFileNode openRaw(Path p) throws IOException {
        return RawFileNode.open(p, RawOptions.READ_ONLY);
    }
}
