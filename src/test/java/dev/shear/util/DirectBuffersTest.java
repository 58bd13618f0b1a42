package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectBuffersTest {
    @Test
    void aBufferIsTheSmallestSizeThatHoldsTheRequestPageAlignedWithItsLimitSet() {
        int[][] cases = {{1, 4096}, {4096, 4096}, {4097, 65536}, {65536, 65536}, {65537, 1 << 20}, {1 << 20, 1 << 20}};
        for (int[] c : cases) {
            ByteBuffer b = DirectBuffers.take(c[0], 1);
            assertThat(b.isDirect()).isTrue();
            assertThat(b.capacity()).as("capacity for %d bytes", c[0]).isEqualTo(c[1]);
            assertThat(b.position()).isZero();
            assertThat(b.limit()).isEqualTo(c[0]);
            assertThat(b.alignmentOffset(0, 4096)).isZero();
            DirectBuffers.give(b);
        }
    }

    @Test
    void aBufferGivenBackIsTakenAgainWithoutAllocating() {
        ByteBuffer first = DirectBuffers.take(4096, 512);
        first.put(0, (byte) 7).position(100);
        DirectBuffers.give(first);
        long before = DirectBuffers.allocatedBytes();
        ByteBuffer again = DirectBuffers.take(3000, 4096);
        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(3000);
        assertThat(DirectBuffers.allocatedBytes()).isEqualTo(before);
        DirectBuffers.give(again);
    }

    @Test
    void anAlignmentOfUpTo64KiBIsServedFromThePool() {
        ByteBuffer b = DirectBuffers.take(4096, 65536);
        assertThat(b.alignmentOffset(0, 65536)).isZero();
        assertThat(b.capacity()).as("a request for a wide alignment gets a wide buffer").isEqualTo(65536);
        assertThat(b.limit()).isEqualTo(4096);
        DirectBuffers.give(b);
        long before = DirectBuffers.allocatedBytes();
        ByteBuffer again = DirectBuffers.take(8192, 8192);
        assertThat(again).isSameAs(b);
        assertThat(DirectBuffers.allocatedBytes()).isEqualTo(before);
        DirectBuffers.give(again);
        ByteBuffer huge = DirectBuffers.take(4096, 1 << 20);
        assertThat(huge.alignmentOffset(0, 1 << 20)).as("beyond 64 KiB: a fresh buffer").isZero();
        assertThat(DirectBuffers.sizeFor(4097)).isEqualTo(65536);
        assertThat(DirectBuffers.sizeFor(4096)).isEqualTo(4096);
    }

    @Test
    void sparesAreCappedPerSize() {
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            taken.add(DirectBuffers.take(4096, 1));
        }
        taken.forEach(DirectBuffers::give);
        assertThat(DirectBuffers.spare(4096)).isEqualTo(256);
        DirectBuffers.give(ByteBuffer.allocateDirect(5000));        // not one of the pool's sizes
        DirectBuffers.give(ByteBuffer.allocate(4096));              // not direct: never kept
        assertThat(DirectBuffers.spare(4096)).isEqualTo(256);
        ByteBuffer t = DirectBuffers.take(4096, 1);
        DirectBuffers.give(t.asReadOnlyBuffer());                   // read-only: never kept
        assertThat(DirectBuffers.spare(4096)).isEqualTo(255);
        DirectBuffers.give(t);
        assertThat(DirectBuffers.spare(4096)).isEqualTo(256);
    }

    @Test
    void requestsOutsideTheSizesOrWithABadAlignmentAreRefused() {
        assertThatThrownBy(() -> DirectBuffers.take(0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 1048576 bytes, not 0");
        assertThatThrownBy(() -> DirectBuffers.take((1 << 20) + 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DirectBuffers.take(4096, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
    }
}
