package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.util.DirectBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// The [BlockNode] contract on a raw file through the page cache, plus what is raw-specific:
/// sparseness and releasing host space. Errors, interop and `O_DIRECT` have their own classes.
class RawFileNodeTest extends BlockNodeContractTest {
    @TempDir
    Path dir;
    private int files;

    @Override
    protected BlockNode newNode(long size) throws IOException {
        return RawFileNode.create(dir.resolve("node-" + files++ + ".raw"), size);
    }

    @Override
    protected BlockNode reopen(BlockNode node) throws IOException {
        RawFileNode raw = (RawFileNode) node;
        raw.close();
        return RawFileNode.open(raw.path(), RawOptions.READ_WRITE);
    }

    private RawFileNode raw(long size) throws IOException {
        return (RawFileNode) node(size);
    }

    @Test
    void createMakesASparseFileOfExactlyTheSize() throws IOException {
        RawFileNode n = raw(64L << 20);
        assertThat(Files.size(n.path())).isEqualTo(64L << 20);
        assertThat(n.size()).isEqualTo(64L << 20);
        assertThat(n.allocatedBytes()).as("a new image holds no blocks").isLessThanOrEqualTo(n.clusterSize());
        assertThat(n.blockStatus(0, n.size())).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 64L << 20));
    }

    @Test
    void sizeNeedNotBeAMultipleOfTheBlockSize() throws IOException {
        RawFileNode n = raw(10_000);
        byte[] a = pattern(10_000, 11);
        n.write(0, a);
        assertThat(n.read(0, 10_000)).isEqualTo(a);
        n.writeZeroes(0, 10_000, true);
        assertThat(n.read(0, 10_000)).containsOnly(0);
        assertThat(n.allocatedBytes()).as("the partial last block is punched too").isZero();
        assertThat(Files.size(n.path())).isEqualTo(10_000);
    }

    @Test
    void geometryIsTheFileSystemBlockSize() throws IOException {
        RawFileNode n = raw(1 << 20);
        assertThat(n.clusterSize()).isEqualTo(Files.getFileStore(dir).getBlockSize());
        assertThat(n.alignment()).isEqualTo(1);
        assertThat(n.describe()).contains(n.path().toString()).doesNotContain("read-only");
    }

    @Test
    void discardAndUnmappingWriteZeroesReleaseHostSpace() throws IOException {
        RawFileNode n = raw(8L << 20);
        n.write(0, pattern(8 << 20, 12));
        n.flush();
        long full = n.allocatedBytes();
        assertThat(full).isGreaterThanOrEqualTo(8L << 20);
        n.discard(1 << 20, 2 << 20);
        long afterDiscard = n.allocatedBytes();
        assertThat(afterDiscard).isLessThanOrEqualTo(full - (2L << 20));
        n.writeZeroes(4L << 20, 3 << 20, true);
        assertThat(n.allocatedBytes()).isLessThanOrEqualTo(afterDiscard - (3L << 20));
        assertThat(n.read(1 << 20, 2 << 20)).containsOnly(0);
        assertThat(n.blockStatus(1 << 20, 2 << 20).state()).isEqualTo(BlockStatus.State.ZERO);
        assertThat(n.blockStatus(4L << 20, 3 << 20)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 4L << 20, 3 << 20));
    }

    @Test
    void writeZeroesWithoutUnmapKeepsTheSpace() throws IOException {
        RawFileNode n = raw(8L << 20);
        n.write(0, pattern(4 << 20, 13));
        n.flush();
        long before = n.allocatedBytes();
        n.writeZeroes(1 << 20, 2 << 20, false);
        assertThat(n.read(1 << 20, 2 << 20)).containsOnly(0);
        assertThat(n.allocatedBytes()).isGreaterThanOrEqualTo(before);
        n.writeZeroes(6L << 20, 1 << 20, false);
        assertThat(n.read(6L << 20, 1 << 20)).containsOnly(0);
        assertThat(n.allocatedBytes()).as("zeroing a hole without unmap allocates it")
                .isGreaterThanOrEqualTo(before + (1 << 20));
    }

    @Test
    void unalignedDiscardZeroesTheEdgesAndPunchesTheWholeBlocksBetween() throws IOException {
        RawFileNode n = raw(1 << 20);
        int bs = n.clusterSize();
        byte[] a = pattern(16 * bs, 14);
        n.write(0, a);
        long from = bs + 100;
        long to = 9L * bs - 100;
        n.discard(from, to - from);
        byte[] expect = a.clone();
        Arrays.fill(expect, (int) from, (int) to, (byte) 0);
        assertThat(n.read(0, a.length)).isEqualTo(expect);
        assertThat(n.blockStatus(2L * bs, 6L * bs)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 2L * bs, 6L * bs));
        assertThat(n.blockStatus(bs, bs).state()).isEqualTo(BlockStatus.State.DATA);
        assertThat(n.blockStatus(8L * bs, bs).state()).isEqualTo(BlockStatus.State.DATA);
    }

    @Test
    void blockStatusRunsEndAtDataAndHoleBoundaries() throws IOException {
        RawFileNode n = raw(8L << 20);
        n.write(2L << 20, pattern(1 << 20, 15));
        assertThat(n.blockStatus(0, 8L << 20)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 0, 2L << 20));
        assertThat(n.blockStatus(2L << 20, 6L << 20)).isEqualTo(new BlockStatus(BlockStatus.State.DATA, 2L << 20, 1 << 20));
        assertThat(n.blockStatus(3L << 20, 5L << 20)).isEqualTo(new BlockStatus(BlockStatus.State.ZERO, 3L << 20, 5L << 20));
        assertThat(n.blockStatus((2L << 20) + 100, 50)).isEqualTo(new BlockStatus(BlockStatus.State.DATA, (2L << 20) + 100, 50));
    }

    @Test
    void largeHeapAndDirectBuffersTransferWhole() throws IOException {
        RawFileNode n = raw(8L << 20);
        byte[] a = pattern(3 * PositionalChannel.BOUNCE + 777, 16);
        n.write(12_345, ByteBuffer.wrap(a), false);
        ByteBuffer direct = ByteBuffer.allocateDirect(a.length + 3);
        direct.position(3);
        n.read(12_345, direct);
        assertThat(direct.hasRemaining()).isFalse();
        byte[] back = new byte[a.length];
        direct.position(3).get(back);
        assertThat(back).isEqualTo(a);
    }

    /// Write-behind carries guest writes out from heap arrays on up to 16 threads at once: each
    /// bounces through a 4 KiB buffer of the process's pool, not a MiB allocated and zeroed anew
    /// once more threads write than a file kept spares for.
    @Test
    void concurrentSmallHeapWritesBounceThroughSmallPooledBuffers() throws Exception {
        RawFileNode n = raw(16L << 20);
        int threads = 16;
        int each = 200;
        n.write(0, ByteBuffer.wrap(pattern(4096, 1)), false);     // the pool holds a 4 KiB buffer
        long before = DirectBuffers.allocatedBytes();
        List<Thread> writers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            writers.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        long at = ((long) id * each + i) * 4096;
                        n.write(at, ByteBuffer.wrap(pattern(4096, (int) (at / 4096))), false);
                    }
                } catch (IOException | RuntimeException e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(DirectBuffers.allocatedBytes() - before).as("bytes of new bounce buffers")
                .isLessThanOrEqualTo((long) threads * 4096);
        for (long block = 0; block < (long) threads * each; block += 97) {
            assertThat(n.read(block * 4096, 4096)).isEqualTo(pattern(4096, (int) block));
        }
    }
}
