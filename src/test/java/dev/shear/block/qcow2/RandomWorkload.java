package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

/// A seeded mix of writes (aligned and not), write-zeroes (with and without unmap) and discards,
/// applied to a node and to an oracle byte array in step. Discard follows the qcow2 node's
/// documented behaviour: whole clusters read as zeroes afterwards, partial clusters keep their data.
final class RandomWorkload {
    private final Random random;
    private final int clusterSize;
    private final byte[] oracle;
    /// The range of the operation running or last run (all an interrupted operation may have changed).
    private long lastOffset;
    private long lastLength;
    /// Bytes whose contents the oracle does not know: those a failed operation may have changed and
    /// no later operation has set again.
    private final BitSet unknown = new BitSet();

    RandomWorkload(long seed, int clusterSize, byte[] oracle) {
        this.random = new Random(seed);
        this.clusterSize = clusterSize;
        this.oracle = oracle;
    }

    /// `length` bytes of seeded random data.
    static byte[] randomBytes(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /// Runs `ops` operations against `node`.
    void run(BlockNode node, int ops) throws IOException {
        for (int i = 0; i < ops; i++) {
            step(node);
        }
    }

    /// Records that the last operation failed, so its range may hold anything.
    void lastFailed() {
        unknown.set((int) lastOffset, (int) (lastOffset + lastLength));
    }

    /// Checks `got` against the oracle wherever the oracle knows the contents; returns the first
    /// differing offset, or -1.
    int firstDifference(byte[] got) {
        for (int from = unknown.nextClearBit(0); from < oracle.length; from = unknown.nextClearBit(from)) {
            int to = Math.min(oracle.length, unknown.nextSetBit(from) < 0 ? oracle.length : unknown.nextSetBit(from));
            int d = Arrays.mismatch(got, from, to, oracle, from, to);
            if (d >= 0) {
                return from + d;
            }
            from = to;
        }
        return -1;
    }

    long lastOffset() {
        return lastOffset;
    }

    long lastLength() {
        return lastLength;
    }

    /// A given write, recorded like a random one.
    void write(BlockNode node, int offset, byte[] data) throws IOException {
        lastOffset = offset;
        lastLength = data.length;
        node.write(offset, data);
        System.arraycopy(data, 0, oracle, offset, data.length);
        unknown.clear(offset, offset + data.length);
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
        lastOffset = off;
        lastLength = len;
        switch (random.nextInt(6)) {
            case 0, 1, 2 -> {
                byte[] data = new byte[len];
                random.nextBytes(data);
                node.write(off, ByteBuffer.wrap(data), random.nextInt(10) == 0);
                System.arraycopy(data, 0, oracle, off, len);
                unknown.clear(off, off + len);
            }
            case 3, 4 -> {
                node.writeZeroes(off, len, random.nextBoolean());
                Arrays.fill(oracle, off, off + len, (byte) 0);
                unknown.clear(off, off + len);
            }
            default -> {
                node.discard(off, len);
                long end = (long) off + len;
                long from = ((long) off + clusterSize - 1) / clusterSize * clusterSize;
                long to = end == size ? end : end / clusterSize * clusterSize;
                if (from < to) {
                    Arrays.fill(oracle, (int) from, (int) to, (byte) 0);
                    unknown.clear((int) from, (int) to);
                }
            }
        }
    }
}
