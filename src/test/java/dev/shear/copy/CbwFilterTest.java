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
}
