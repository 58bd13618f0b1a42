package dev.shear.control;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.backup.Perf;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import org.junit.jupiter.api.Test;

/// A backup request crosses the control socket unchanged.
class BackupArgsTest {
    @Test
    void everyOptionSurvivesTheRoundTripThroughJson() throws Exception {
        ObjectMapper json = ControlProtocol.mapper();
        for (BackupRequest r : new BackupRequest[] {
                BackupRequest.of(101, "backup"),
                new BackupRequest(101, "backup", true, new FleecingOption(true, "fast"), new Perf(4, 1 << 20, 0),
                        5 << 20, false, OnCbwError.BREAK_SNAPSHOT, 30L, 8L << 20),
                new BackupRequest(101, "backup", false, new FleecingOption(true, "fast"), Perf.defaults(), 0, null,
                        null, null, 0L)}) {
            BackupArgs args = json.readValue(json.writeValueAsString(BackupArgs.of(r)), BackupArgs.class);
            assertThat(args.toRequest(101)).isEqualTo(r);
        }
    }

    @Test
    void argsOfAnOlderClientWithoutWriteBehindGetTheDefault() throws Exception {
        assertThat(ControlProtocol.mapper().writeValueAsString(BackupArgs.of(BackupRequest.of(101, "backup"))))
                .as("a daemon from before the option can still read a default request")
                .doesNotContain("writeBehind");
        BackupArgs args = ControlProtocol.mapper().readValue("{\"storage\":\"backup\",\"incremental\":false,"
                + "\"fleecing\":\"enabled=1,storage=fast\",\"maxWorkers\":16,\"maxChunk\":0,\"minClusterSize\":0,"
                + "\"bwlimit\":0}", BackupArgs.class);
        assertThat(args.toRequest(101).writeBehind()).isNull();
    }
}
