package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineWarmupTest {
    @TempDir
    Path dir;

    @Test
    void itRunsCopyBeforeWriteManyTimesAndLeavesNothingBehind() throws Exception {
        EngineWarmup.Stats s = EngineWarmup.run(dir, EngineWarmup.DIRECT);
        assertThat(s.rounds()).isPositive();
        assertThat(s.copies()).as("guest writes that copied old data to a fleecing image").isGreaterThan(5_000);
        assertThat(s.guestWrites()).isGreaterThanOrEqualTo(s.copies());
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).as("scratch images removed").isEmpty();
        }
    }
}
