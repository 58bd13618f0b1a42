package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockNodeContractTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/// The [BlockNode] contract for qcow2 images with QEMU's default 64 KiB clusters; data must survive
/// closing and reopening the image.
class Qcow2NodeTest extends BlockNodeContractTest {
    @TempDir
    Path dir;

    private final AtomicInteger images = new AtomicInteger();

    /// The cluster size the images of this class use.
    protected int clusterSize() {
        return 64 * 1024;
    }

    @Override
    protected BlockNode newNode(long size) throws IOException {
        Path file = dir.resolve("image-" + images.incrementAndGet() + ".qcow2");
        return Qcow2Node.create(file, Qcow2Options.of(size).withClusterSize(clusterSize()));
    }

    @Override
    protected BlockNode reopen(BlockNode node) throws IOException {
        Qcow2Node q = (Qcow2Node) node;
        q.close();
        return Qcow2Node.open(q.file(), true);
    }
}
