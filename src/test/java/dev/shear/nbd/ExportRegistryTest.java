package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.MemoryNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/// Exports come and go at runtime; removal drains the connections using the export.
class ExportRegistryTest extends ServerTestBase {

    @Test
    void namesAreUniqueAndListedInOrder() {
        assertThatThrownBy(() -> registry.add(NbdExport.of("disk", new MemoryNode(MIB))))
                .hasMessageContaining("'disk' already exists");
        registry.add(NbdExport.of("a", new MemoryNode(MIB)));
        assertThat(registry.list()).extracting(NbdExport::name).containsExactly("a", "disk", "ro");
        assertThat(registry.get("a")).isPresent();
        assertThat(registry.get("zzz")).isEmpty();
    }

    @Test
    void badExportsAreRejectedWithTheReason() {
        MemoryNode n = new MemoryNode(MIB);
        assertThatThrownBy(() -> NbdExport.of("a\0b", n)).hasMessageContaining("NUL");
        assertThatThrownBy(() -> NbdExport.of("x".repeat(4097), n)).hasMessageContaining("4097 bytes");
        assertThatThrownBy(() -> new NbdExport("e", n, false, "", List.of(new DirtyBitmapContext("nocolon", 512, MIB))))
                .hasMessageContaining("namespace:leaf");
        assertThatThrownBy(() -> new NbdExport("e", n, false, "", List.of(new DirtyBitmapContext("base:dirty", 512, MIB))))
                .hasMessageContaining("base namespace");
        assertThatThrownBy(() -> new NbdExport("e", n, false, "", List.of(new DirtyBitmapContext("a b:c", 512, MIB))))
                .hasMessageContaining("whitespace");
        assertThatThrownBy(() -> new NbdExport("e", n, false, "", List.of(new DirtyBitmapContext("s:d", 512, MIB),
                new DirtyBitmapContext("s:d", 512, MIB)))).hasMessageContaining("two meta contexts named 's:d'");
        assertThatThrownBy(() -> registry.remove("nope")).hasMessageContaining("no export named 'nope'");
    }

    @Test
    void removingAnExportLetsInFlightRequestsFinishThenClosesItsConnections() throws Exception {
        try (RawNbdClient user = client(true); RawNbdClient other = RawNbdClient.open(server, "ro", true)) {
            CountDownLatch gate = new CountDownLatch(1);
            disk.gate = gate;
            long cookie = user.request(0, CMD_WRITE, 0, 4096, pattern(4096, 1));
            await(() -> disk.active.get() == 1, "the write is in flight");
            Thread remover = Thread.ofVirtual().start(() -> {
                try {
                    registry.remove("disk");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await(() -> registry.get("disk").isEmpty(), "the export is withdrawn");
            assertThat(remover.isAlive()).as("remove waits for the in-flight write").isTrue();

            // new connections cannot select it
            try (RawNbdClient late = RawNbdClient.connect(server)) {
                late.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
                assertThat(RawNbdClient.last(late.option(OPT_GO, RawNbdClient.infoRequest("disk")))).isEqualTo(REP_ERR_UNKNOWN);
                late.sendOption(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
                assertThat(late.closedByServer()).isTrue();
            }

            gate.countDown();
            RawNbdClient.Reply r = user.readReply();
            assertThat(r.cookie()).isEqualTo(cookie);
            assertThat(((RawNbdClient.Simple) r).error()).as("the in-flight write succeeded").isZero();
            assertThat(user.closedByServer()).isTrue();
            remover.join();
            assertThat(disk.inner.read(0, 4096)).isEqualTo(pattern(4096, 1));
            assertThat(registry.users("disk")).isZero();
            // another export's client is not affected
            assertThat(other.read(0, 512)).containsOnly(0);
        }
    }

    @Test
    void aRemovedNameCanBeAddedAgain() throws Exception {
        registry.remove("disk");
        MemoryNode fresh = new MemoryNode(2L * MIB);
        registry.add(NbdExport.of("disk", fresh));
        try (RawNbdClient c = client(true)) {
            assertThat(c.export.size()).isEqualTo(2L * MIB);
            assertStillServes(c, 0);
        }
        assertThat(fresh.read(0, 4096)).isEqualTo(pattern(4096, 0));
    }
}
