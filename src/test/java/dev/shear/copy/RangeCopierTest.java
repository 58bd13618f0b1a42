package dev.shear.copy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.MemoryNode;
import org.junit.jupiter.api.Test;

class RangeCopierTest {
    @Test
    void anEmptyRangeMovesNothingAndTakesNoBuffer() throws Exception {
        MemoryNode source = new MemoryNode(1 << 20);
        MemoryNode target = new MemoryNode(1 << 20);
        source.write(0, new byte[] {1, 2, 3});
        RangeCopier copier = new RangeCopier(source, target, 65536, false, 1 << 20);
        assertThat(copier.copy(0, 0)).isZero();
        assertThat(copier.bytesCopiedAsData()).isZero();
        assertThat(target.read(0, 3)).containsOnly(0);
    }
}
