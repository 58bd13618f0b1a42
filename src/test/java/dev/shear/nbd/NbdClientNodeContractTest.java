package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockNodeContractTest;
import dev.shear.block.MemoryNode;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// The [BlockNode] contract, through an [NbdClientNode] connected to our own [NbdServer] exporting
/// a [MemoryNode]: each node is a fresh export on one server, reopened by connecting again.
@Timeout(60)
class NbdClientNodeContractTest extends BlockNodeContractTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static ExportRegistry registry;
    private static NbdServer server;

    @BeforeAll
    static void startServer() throws IOException {
        registry = new ExportRegistry();
        server = NbdServer.start(registry, NbdServer.Tcp.loopback(0));
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected BlockNode newNode(long size) throws IOException {
        String name = "disk-" + NAMES.incrementAndGet();
        registry.add(NbdExport.of(name, new MemoryNode(name, size, 64 * 1024)));
        return NbdClientNode.connect(server.uri(name));
    }

    @Override
    protected BlockNode reopen(BlockNode node) throws IOException {
        NbdClientNode n = (NbdClientNode) node;
        n.close();
        return NbdClientNode.connect(n.uri());
    }

    @Test
    void negotiatesStructuredRepliesAllocationContextAndTheServersBlockSizes() throws IOException {
        NbdClientNode n = (NbdClientNode) node(4L << 20);
        RemoteExport e = n.export();
        assertThat(e.structured()).isTrue();
        assertThat(e.hasAllocationContext()).isTrue();
        assertThat(e.maxPayload()).isEqualTo(NbdServer.Limits.DEFAULT.maxPayload());
        assertThat(n.clusterSize()).as("preferred block size = the memory node's chunk").isEqualTo(64 * 1024);
        assertThat(n.alignment()).isEqualTo(1);
        assertThat(n.readOnly()).isFalse();
        assertThat(n.allocatedBytes()).as("unknown over NBD").isEqualTo(-1);
        assertThat(n.describe()).contains("NBD export 'disk-").contains(n.uri());
    }
}
