package dev.shear.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.testing.Interop;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// The whole [BlockNode] contract on a raw file opened with `O_DIRECT`, plus the alignment rules
/// and the copying of buffers `O_DIRECT` cannot take.
class DirectRawFileNodeTest extends BlockNodeContractTest {
    private static final RawOptions DIRECT = new RawOptions(true, true);

    @TempDir
    Path dir;
    private int files;

    @BeforeEach
    void requireDirectIo() throws IOException {
        Path probe = dir.resolve("probe.raw");
        try (RawFileNode n = RawFileNode.create(probe, 1 << 20, DIRECT)) {
            assertThat(n.alignment()).isGreaterThan(1);
        } catch (IOException e) {
            if (Interop.inCi()) {
                throw e;
            }
            Assumptions.abort("the file system of " + dir + " does not support O_DIRECT: " + e.getMessage());
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    @Override
    protected BlockNode newNode(long size) throws IOException {
        return RawFileNode.create(dir.resolve("direct-" + files++ + ".raw"), size, DIRECT);
    }

    @Override
    protected BlockNode reopen(BlockNode node) throws IOException {
        RawFileNode raw = (RawFileNode) node;
        raw.close();
        return RawFileNode.open(raw.path(), DIRECT);
    }

    @Test
    void alignmentIsTheFileSystemBlockSizeAndUnalignedRequestsAreRefused() throws IOException {
        BlockNode n = node(1 << 20);
        int a = n.alignment();
        assertThat(a).isEqualTo(Files.getFileStore(dir).getBlockSize()).isEqualTo(n.clusterSize());
        assertThat(n.describe()).contains("O_DIRECT");
        assertThatThrownBy(() -> n.read(a / 2, a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not aligned to " + a);
        assertThatThrownBy(() -> n.write(0, new byte[a + 1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not aligned");
        assertThatThrownBy(() -> n.writeZeroes(a, 100, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unalignedDirectAndHeapBuffersAreCopiedThroughAlignedOnes() throws IOException {
        BlockNode n = node(8L << 20);
        int a = n.alignment();
        byte[] data = pattern(3 * PositionalChannel.BOUNCE + 5 * a, 21);
        ByteBuffer unaligned = ByteBuffer.allocateDirect(data.length + 1).position(1).slice();
        unaligned.put(data).flip();
        n.write(a, unaligned, true);
        assertThat(unaligned.hasRemaining()).isFalse();
        assertThat(n.read(a, data.length)).as("read into a heap buffer").isEqualTo(data);
        ByteBuffer into = ByteBuffer.allocateDirect(data.length + 7).position(7);
        n.read(a, into);
        byte[] back = new byte[data.length];
        into.position(7).get(back);
        assertThat(back).as("read into an unaligned direct buffer").isEqualTo(data);
    }

    @Test
    void openingAFileWhoseSizeIsNotAMultipleOfTheBlockSizeIsRefused() throws IOException {
        Path odd = dir.resolve("odd.raw");
        try (RandomAccessFile f = new RandomAccessFile(odd.toFile(), "rw")) {
            f.setLength(10_000);
        }
        assertThatThrownBy(() -> RawFileNode.open(odd, DIRECT)).isInstanceOf(IOException.class)
                .hasMessageContaining("odd.raw").hasMessageContaining("not a multiple");
        try (RawFileNode buffered = RawFileNode.open(odd, RawOptions.READ_ONLY)) {
            assertThat(buffered.size()).isEqualTo(10_000);
        }
    }
}
