package dev.shear.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.MemoryNode;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CbwFilterTest {
    private static final int K = 1024;

    @Test
    void onlyRequestsThatCopiedOldDataAreCountedAsCopies() throws Exception {
        MemoryNode disk = new MemoryNode("disk", 4L << 20, 64 * K);
        MemoryNode fleece = new MemoryNode("fleece", 4L << 20, 64 * K);
        CbwFilter cbw = new CbwFilter(BlockCopy.create(disk, fleece, CopyOptions.defaults(), null),
                OnCbwError.BREAK_SNAPSHOT, 0);
        ByteBuffer data = ByteBuffer.allocate(4 * K);
        cbw.write(0, data.clear(), false);
        assertThat(cbw.copiedBeforeWrite()).as("first write to a cluster").isEqualTo(1);
        cbw.write(8 * K, data.clear(), false);
        cbw.read(0, ByteBuffer.allocate(64 * K));
        assertThat(cbw.copiedBeforeWrite()).as("same cluster again, and a read").isEqualTo(1);
        cbw.writeZeroes(64 * K, 128 * K, true);
        cbw.discard(1L << 20, 4 * K);
        assertThat(cbw.copiedBeforeWrite()).as("write-zeroes and discard over new clusters").isEqualTo(3);
    }

    @Test
    void aClusterThatReadsAsZeroesIsCopiedAsZeroesAndOneWithDataAsData() throws Exception {
        MemoryNode disk = new MemoryNode("disk", 4L << 20, 64 * K);
        byte[] old = new byte[64 * K];
        java.util.Arrays.fill(old, (byte) 0x3c);
        disk.write(1L << 20, old);
        MemoryNode fleece = new MemoryNode("fleece", 4L << 20, 64 * K);
        BlockCopy copy = BlockCopy.create(disk, fleece, CopyOptions.defaults(), null);
        CbwFilter cbw = new CbwFilter(copy, OnCbwError.BREAK_SNAPSHOT, 0);
        cbw.write(0, new byte[4 * K]);                      // a never-written cluster
        cbw.write(1L << 20, new byte[4 * K]);               // a cluster with data
        assertThat(copy.bytesCopiedAsData()).as("only the data cluster moved as data").isEqualTo(64 * K);
        assertThat(fleece.blockStatus(0, 64 * K).state()).isEqualTo(dev.shear.block.BlockStatus.State.ZERO);
        assertThat(fleece.read(1L << 20, 64 * K)).isEqualTo(old);
        assertThat(new SnapshotAccessNode(cbw).read(0, 64 * K)).containsOnly(0);
    }
}
