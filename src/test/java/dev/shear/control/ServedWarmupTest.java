package dev.shear.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.backup.EngineWarmup;
import dev.shear.block.BlockNode;
import dev.shear.nbd.NbdClientNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// The engine warm-up through a loopback NBD server (decision 0019).
class ServedWarmupTest {
    @TempDir
    Path dir;

    @Test
    void theWarmupsWritesGoThroughAnNbdServerThatIsGoneAfterwards() throws Exception {
        List<NbdClientNode> used = new ArrayList<>();
        EngineWarmup.Access watched = seats -> {
            EngineWarmup.Reach r = new ServedWarmup().reach(seats);
            for (BlockNode n : r.nodes()) {
                used.add((NbdClientNode) n);
            }
            return r;
        };
        EngineWarmup.Stats s = EngineWarmup.run(dir, watched);
        assertThat(s.copies()).as("guest writes over NBD that copied old data first").isGreaterThan(1_000);
        assertThat(used).hasSize(2);
        for (NbdClientNode c : used) {
            assertThat(c.uri()).startsWith("nbd://127.0.0.1:");
            assertThatThrownBy(() -> c.read(0, 4096))
                    .as("the client is closed").isInstanceOf(IOException.class);
            assertThatThrownBy(() -> NbdClientNode.connect(c.uri()))
                    .as("and the server gone").isInstanceOf(IOException.class);
        }
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).as("scratch images removed").isEmpty();
        }
    }
}
