package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class MemoryNodeTest extends BlockNodeContractTest {

    @Override
    protected BlockNode newNode(long size) {
        return new MemoryNode(size);
    }

    @Test
    void wholeChunkDiscardReleasesMemoryAndPartialDiscardKeepsIt() throws IOException {
        MemoryNode n = new MemoryNode("coarse", 16L << 20, 4 << 20);
        n.write(0, pattern(8 << 20, 1));
        assertThat(n.allocatedBytes()).isEqualTo(8L << 20);
        n.discard(0, 1 << 20);
        assertThat(n.allocatedBytes()).as("a discard smaller than a chunk frees nothing").isEqualTo(8L << 20);
        n.discard(4 << 20, 4 << 20);
        assertThat(n.allocatedBytes()).isEqualTo(4L << 20);
        n.close();
    }
}
