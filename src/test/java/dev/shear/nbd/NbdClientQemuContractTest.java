package dev.shear.nbd;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockNodeContractTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/// The [BlockNode] contract through an [NbdClientNode] connected to QEMU's server: each node is a
/// sparse raw file served by its own `qemu-nbd --discard=unmap` on a Unix socket, reopened by
/// connecting again. The servers are killed after the contract's own cleanup has closed the
/// nodes (an extension's after-each runs after every `@AfterEach` method).
@Timeout(120)
class NbdClientQemuContractTest extends BlockNodeContractTest {
    @TempDir
    Path dir;
    private final AtomicInteger names = new AtomicInteger();
    private final List<QemuNbd> servers = new ArrayList<>();

    @RegisterExtension
    final AfterEachCallback killServers = context -> servers.forEach(QemuNbd::close);

    @Override
    protected BlockNode newNode(long size) throws IOException {
        String name = "d" + names.incrementAndGet();
        Path file = dir.resolve(name + ".raw");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        }
        QemuNbd q = QemuNbd.unix(file, dir, name, "--discard=unmap");
        servers.add(q);
        return NbdClientNode.connect(q.uri());
    }

    @Override
    protected BlockNode reopen(BlockNode node) throws IOException {
        NbdClientNode n = (NbdClientNode) node;
        n.close();
        return NbdClientNode.connect(n.uri());
    }
}
