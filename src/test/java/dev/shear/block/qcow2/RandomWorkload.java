package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/// A seeded mix of writes (aligned and not), write-zeroes (with and without unmap) and discards,
/// applied to a node and to an oracle byte array in step. Discard follows the qcow2 node's
/// documented behaviour: whole clusters read as zeroes afterwards, partial clusters keep their data.
final class RandomWorkload {
    private final Random random;
    private final int clusterSize;
    private final byte[] oracle;

    RandomWorkload(long seed, int clusterSize, byte[] oracle) {
        this.random = new Random(seed);
        this.clusterSize = clusterSize;
        this.oracle = oracle;
    }

    /// Runs `ops` operations against `node`.
    void run(BlockNode node, int ops) throws IOException {
        for (int i = 0; i < ops; i++) {
            step(node);
        }
    }

    /// One random operation.
    void step(BlockNode node) throws IOException {
        int size = oracle.length;
        boolean aligned = random.nextInt(3) > 0;
        int unit = aligned ? clusterSize : 1;
        int off = random.nextInt(size / unit) * unit;
        int maxLen = Math.min(size - off, 32 * clusterSize + 70_000);
        int len = aligned ? Math.min(maxLen, (1 + random.nextInt(Math.max(1, maxLen / clusterSize))) * clusterSize)
                : 1 + random.nextInt(maxLen);
        switch (random.nextInt(6)) {
            case 0, 1, 2 -> {
                byte[] data = new byte[len];
                random.nextBytes(data);
                node.write(off, ByteBuffer.wrap(data), random.nextInt(10) == 0);
                System.arraycopy(data, 0, oracle, off, len);
            }
            case 3, 4 -> {
                node.writeZeroes(off, len, random.nextBoolean());
                Arrays.fill(oracle, off, off + len, (byte) 0);
            }
            default -> {
                node.discard(off, len);
                long end = (long) off + len;
                long from = ((long) off + clusterSize - 1) / clusterSize * clusterSize;
                long to = end == size ? end : end / clusterSize * clusterSize;
                if (from < to) {
                    Arrays.fill(oracle, (int) from, (int) to, (byte) 0);
                }
            }
        }
    }
}
