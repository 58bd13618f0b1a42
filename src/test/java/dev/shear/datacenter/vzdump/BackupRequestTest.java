package dev.shear.datacenter.vzdump;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.backup.BackupOptions;
import dev.shear.backup.Perf;
import dev.shear.copy.OnCbwError;
import org.junit.jupiter.api.Test;

/// vzdump's options mapped to the engine's, write-behind (decision 0023) in particular.
class BackupRequestTest {
    private static final FleecingOption FAST = new FleecingOption(true, "fast");

    private static BackupRequest request(FleecingOption f, OnCbwError policy, Long writeBehind) {
        return new BackupRequest(100, "backup", false, f, Perf.defaults(), 0, null, policy, null, writeBehind);
    }

    @Test
    void writeBehindDefaultsOnOnlyWithFleecingUnderBreakSnapshot() {
        assertThat(request(FAST, null, null).engineOptions().writeBehind()).isEqualTo(BackupOptions.DEFAULT_WRITE_BEHIND);
        assertThat(request(FAST, OnCbwError.BREAK_SNAPSHOT, null).engineOptions().writeBehind())
                .isEqualTo(BackupOptions.DEFAULT_WRITE_BEHIND);
        assertThat(request(FAST, OnCbwError.BREAK_GUEST_WRITE, null).engineOptions().writeBehind()).isZero();
        assertThat(request(FleecingOption.OFF, null, null).engineOptions().writeBehind()).isZero();
        assertThat(BackupRequest.of(100, "backup").engineOptions().writeBehind()).isZero();
    }

    @Test
    void anExplicitWriteBehindIsTakenAndZeroTurnsItOff() {
        assertThat(request(FAST, null, 8L << 20).engineOptions().writeBehind()).isEqualTo(8L << 20);
        assertThat(request(FAST, null, 0L).engineOptions().writeBehind()).isZero();
        assertThat(request(FleecingOption.OFF, null, 0L).engineOptions().writeBehind()).isZero();
        assertThat(request(FAST, OnCbwError.BREAK_GUEST_WRITE, 0L).engineOptions().writeBehind()).isZero();
        assertThat(request(FAST, null, 8L << 20).withPerf(new Perf(4, 0, 0)).writeBehind())
                .as("kept by the with-methods").isEqualTo(8L << 20);
    }

    @Test
    void writeBehindThatCannotApplyIsRefusedWithTheReason() {
        assertThatThrownBy(() -> request(FleecingOption.OFF, null, 1L << 20))
                .hasMessage("--cbw-write-behind needs fleecing: without it guest writes wait for the backup target by design");
        assertThatThrownBy(() -> request(FAST, OnCbwError.BREAK_GUEST_WRITE, 1L << 20))
                .hasMessage("--cbw-write-behind needs on-cbw-error=break-snapshot: under break-guest-write a failed "
                        + "copy must fail its guest write");
        assertThatThrownBy(() -> request(FAST, null, -1L)).hasMessage("cbw-write-behind must be between 0 and 1G, not -1");
        assertThatThrownBy(() -> request(FAST, null, (1L << 30) + 1))
                .hasMessage("cbw-write-behind must be between 0 and 1G, not 1073741825");
    }
}
