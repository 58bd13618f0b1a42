package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/// What every [BlockNode] must do (the interface's contract), run against each implementation by
/// extending this class. Offsets and lengths are scaled by the node's alignment, so `O_DIRECT`
/// nodes run the same tests.
public abstract class BlockNodeContractTest {

    /// A fresh, empty node of `size` bytes (reads as zeroes).
    protected abstract BlockNode newNode(long size) throws IOException;

    /// Reopens what `node` stores after closing it; null when the node cannot be reopened.
    protected BlockNode reopen(BlockNode node) throws IOException {
        return null;
    }

    private final List<BlockNode> opened = new ArrayList<>();

    protected final BlockNode node(long size) throws IOException {
        BlockNode n = newNode(size);
        opened.add(n);
        return n;
    }

    @AfterEach
    void closeNodes() throws IOException {
        for (BlockNode n : opened) {
            n.close();
        }
    }

    protected static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int unit(BlockNode n) {
        return Math.max(512, n.alignment());
    }

    @Test
    void reportsItsSizeAndPowerOfTwoGeometry() throws IOException {
        BlockNode n = node(8L << 20);
        assertThat(n.size()).isEqualTo(8L << 20);
        assertThat(Integer.bitCount(n.alignment())).isEqualTo(1);
        assertThat(n.clusterSize() == 0 || Integer.bitCount(n.clusterSize()) == 1).isTrue();
        assertThat(n.describe()).isNotBlank();
    }

    @Test
    void freshNodeReadsZeroes() throws IOException {
        BlockNode n = node(4L << 20);
        assertThat(n.read(0, 1 << 20)).containsOnly(0);
        assertThat(n.read((4L << 20) - unit(n), unit(n))).containsOnly(0);
    }

    @Test
    void readsBackWhatWasWrittenAcrossClusterBoundaries() throws IOException {
        BlockNode n = node(8L << 20);
        int u = unit(n);
        byte[] a = pattern(200 * u, 1);
        long off = 65536 - 3L * u;      // straddles a 64 KiB boundary
        n.write(off, a);
        assertThat(n.read(off, a.length)).isEqualTo(a);
        assertThat(n.read(off - u, u)).containsOnly(0);
        assertThat(n.read(off + a.length, u)).containsOnly(0);
    }

    @Test
    void smallWritesInsideOneClusterKeepTheirNeighbours() throws IOException {
        BlockNode n = node(1L << 20);
        int u = unit(n);
        byte[] a = pattern(u, 2);
        byte[] b = pattern(u, 3);
        n.write(4L * u, a);
        n.write(6L * u, b);
        assertThat(n.read(4L * u, u)).isEqualTo(a);
        assertThat(n.read(5L * u, u)).containsOnly(0);
        assertThat(n.read(6L * u, u)).isEqualTo(b);
    }

    @Test
    void fuaWriteIsReadable() throws IOException {
        BlockNode n = node(1L << 20);
        byte[] a = pattern(65536, 4);
        n.write(65536, ByteBuffer.wrap(a), true);
        assertThat(n.read(65536, a.length)).isEqualTo(a);
    }

    @Test
    void requestsOutsideTheNodeAreRefusedAndChangeNothing() throws IOException {
        BlockNode n = node(1L << 20);
        int u = unit(n);
        byte[] a = pattern(2 * u, 5);
        n.write(0, pattern(u, 9));
        byte[] before = n.read(0, u);
        assertThatThrownBy(() -> n.write((1L << 20) - u, a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside");
        assertThatThrownBy(() -> n.read(-u, u)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n.writeZeroes(0, (1L << 20) + u, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n.discard((1L << 20), u)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> n.blockStatus(0, (1L << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(n.read((1L << 20) - u, u)).containsOnly(0);
        assertThat(n.read(0, u)).isEqualTo(before);
    }

    @Test
    void writeZeroesZeroesExactlyTheRange() throws IOException {
        for (boolean unmap : new boolean[] {false, true}) {
            BlockNode n = node(4L << 20);
            int u = unit(n);
            byte[] a = pattern(1 << 20, 6);
            n.write(0, a);
            n.writeZeroes(3L * u, 70000L / u * u + u, unmap);
            byte[] expect = a.clone();
            Arrays.fill(expect, 3 * u, 3 * u + (70000 / u * u + u), (byte) 0);
            assertThat(n.read(0, 1 << 20)).as("mayUnmap=" + unmap).isEqualTo(expect);
        }
    }

    @Test
    void discardNeverChangesDataOutsideTheRangeAndDoesNotGrowTheNode() throws IOException {
        BlockNode n = node(4L << 20);
        byte[] a = pattern(2 << 20, 7);
        n.write(0, a);
        n.flush();
        long before = n.allocatedBytes();
        n.discard(1 << 20, 1 << 20);
        assertThat(n.read(0, 1 << 20)).isEqualTo(Arrays.copyOf(a, 1 << 20));
        byte[] rest = n.read(1 << 20, 1 << 20);
        boolean zero = true;
        boolean same = true;
        for (int i = 0; i < rest.length; i++) {
            zero &= rest[i] == 0;
            same &= rest[i] == a[(1 << 20) + i];
        }
        assertThat(zero || same).as("discarded range reads as zeroes or as before").isTrue();
        assertThat(n.allocatedBytes()).isLessThanOrEqualTo(before);
    }

    @Test
    void blockStatusRunsTileTheRangeAndAgreeWithReads() throws IOException {
        BlockNode n = node(8L << 20);
        n.write(1 << 20, pattern(1 << 20, 8));
        n.write(5L << 20, pattern(65536, 9));
        long pos = 0;
        long end = 8L << 20;
        boolean sawData = false;
        while (pos < end) {
            BlockStatus s = n.blockStatus(pos, end - pos);
            assertThat(s.offset()).isEqualTo(pos);
            assertThat(s.length()).isPositive().isLessThanOrEqualTo(end - pos);
            if (s.state() == BlockStatus.State.ZERO) {
                assertThat(n.read(pos, (int) Math.min(s.length(), 1 << 20))).containsOnly(0);
            }
            assertThat(s.state()).isNotEqualTo(BlockStatus.State.UNALLOCATED);
            sawData |= s.state() == BlockStatus.State.DATA;
            pos = s.end();
        }
        assertThat(sawData).isTrue();
        assertThat(n.blockStatus(1 << 20, 4096).state()).isEqualTo(BlockStatus.State.DATA);
        assertThat(n.blockStatus(3L << 20, 4096).state()).isEqualTo(BlockStatus.State.ZERO);
        assertThat(n.blockStatus(3L << 20, 4096).length()).isEqualTo(4096);
    }

    @Test
    void concurrentWritersToDistinctRangesAllLand() throws Exception {
        BlockNode n = node(16L << 20);
        int writers = 8;
        int chunk = 64 * 1024;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                final int id = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 32; i++) {
                        long off = ((long) i * writers + id) * chunk;
                        n.write(off, ByteBuffer.wrap(pattern(chunk, off)), false);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (long off = 0; off < 256L * chunk; off += chunk) {
            assertThat(n.read(off, chunk)).as("chunk at %d", off).isEqualTo(pattern(chunk, off));
        }
    }

    @Test
    void randomOperationsMatchAnOracle() throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            BlockNode n = node(4L << 20);
            int u = unit(n);
            byte[] oracle = new byte[4 << 20];
            Random r = new Random(seed);
            for (int op = 0; op < 200; op++) {
                long off = (long) r.nextInt(oracle.length / u) * u;
                int len = (int) Math.min((1 + r.nextInt(64)) * (long) u * (1 + r.nextInt(4)), oracle.length - off);
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        byte[] d = pattern(len, r.nextLong());
                        n.write(off, d);
                        System.arraycopy(d, 0, oracle, (int) off, len);
                    }
                    case 2 -> {
                        n.writeZeroes(off, len, r.nextBoolean());
                        Arrays.fill(oracle, (int) off, (int) off + len, (byte) 0);
                    }
                    default -> {
                        byte[] got = n.read(off, len);
                        assertThat(got).as("seed %d op %d read %d+%d", seed, op, off, len)
                                .isEqualTo(Arrays.copyOfRange(oracle, (int) off, (int) off + len));
                    }
                }
            }
            n.flush();
            assertThat(n.read(0, oracle.length)).as("seed %d final", seed).isEqualTo(oracle);
            BlockNode again = reopen(n);
            if (again != null) {
                opened.add(again);
                assertThat(again.read(0, oracle.length)).as("seed %d after reopen", seed).isEqualTo(oracle);
            }
        }
    }

    @Test
    void closedNodeRefusesIoAndCloseIsIdempotent() throws IOException {
        BlockNode n = node(1L << 20);
        n.close();
        n.close();
        assertThatThrownBy(() -> n.read(0, 512)).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> n.write(0, new byte[512])).isInstanceOf(IOException.class);
        assertThatThrownBy(n::flush).isInstanceOf(IOException.class);
    }

    @Test
    void zeroLengthRequestsAreNoOps() throws IOException {
        BlockNode n = node(1L << 20);
        n.write(0, new byte[0]);
        n.writeZeroes(1 << 20, 0, true);
        n.discard(0, 0);
        assertThat(n.read(1 << 20, 0)).isEmpty();
    }
}
