package dev.shear.datacenter.demo;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/// Fills a disk with data that looks like a used file system: a boot area, then extents of
/// "files" (text, compressed-looking random data, repeated records) scattered over the disk with
/// holes between them, covering about `fill` of the disk. Deterministic for a seed.
public final class SampleData {
    private static final int EXTENT_MIN = 64 * 1024;
    private static final int EXTENT_MAX = 1024 * 1024;

    private SampleData() {
    }

    /// Writes sample data into `node` until about `fill` (0 … 1) of it holds data.
    public static void fill(BlockNode node, double fill, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        long size = node.size();
        long budget = (long) (size * fill);
        ByteBuffer buf = ByteBuffer.allocateDirect(EXTENT_MAX);
        byte[] bytes = new byte[EXTENT_MAX];
        // a boot sector and a superblock-like area at the start
        int head = (int) Math.min(size, 1 << 20);
        write(node, buf, bytes, 0, head, r, 0);
        long written = head;
        long pos = head;
        int kind = 0;
        double avgGap = (size - budget) / Math.max(1.0, budget / ((EXTENT_MIN + EXTENT_MAX) / 2.0));
        while (written < budget && pos < size) {
            long gap = (long) (r.nextDouble() * 2 * avgGap) / 4096 * 4096;
            pos += gap;
            int len = (int) Math.min(size - pos, (EXTENT_MIN + r.nextInt(EXTENT_MAX - EXTENT_MIN)) / 4096 * 4096);
            if (len <= 0) {
                break;
            }
            write(node, buf, bytes, pos, len, r, kind++ % 3);
            written += len;
            pos += len;
        }
        node.flush();
    }

    private static void write(BlockNode node, ByteBuffer buf, byte[] bytes, long pos, int len, SplittableRandom r,
                              int kind) throws IOException {
        switch (kind) {
            case 0 -> r.nextBytes(bytes);                               // compressed media
            case 1 -> {                                                 // text files
                byte[] line = ("2026-11-27 12:00:00 shear-demo[" + r.nextInt(99999)
                        + "]: request served in " + r.nextInt(500) + " ms\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < len; i++) {
                    bytes[i] = line[i % line.length];
                }
            }
            default -> {                                                // database pages
                for (int i = 0; i < len; i += 8) {
                    long v = i / 4096 * 31 + r.nextInt(16);
                    for (int b = 0; b < 8 && i + b < len; b++) {
                        bytes[i + b] = (byte) (v >>> (8 * b));
                    }
                }
            }
        }
        buf.clear();
        buf.put(bytes, 0, len).flip();
        node.write(pos, buf, false);
    }
}
