package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.DrainableNode;
import dev.shear.block.MemoryNode;
import dev.shear.copy.OnCbwError;
import java.util.List;
import org.junit.jupiter.api.Test;

/// Every invalid option gives the documented message and changes nothing.
class BackupOptionsTest {
    private static final int K64 = 65536;

    private static GuestBackup.Disk disk(long size, long targetSize, boolean fleece) {
        return new GuestBackup.Disk("scsi0", new DrainableNode(new MemoryNode("d", size, K64)),
                new MemoryNode("t", targetSize, K64), fleece ? new MemoryNode("f", size, K64) : null, null);
    }

    @Test
    void perfValuesAreChecked() {
        assertThatThrownBy(() -> new Perf(0, 0, 0)).hasMessage("max-workers must be between 1 and 256, not 0");
        assertThatThrownBy(() -> new Perf(257, 0, 0)).hasMessage("max-workers must be between 1 and 256, not 257");
        assertThatThrownBy(() -> new Perf(4, 0, 3)).hasMessage(
                "min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not 3");
        assertThatThrownBy(() -> new Perf(4, 0, 3072)).hasMessage(
                "min-cluster-size must be 0 or a power of two (e.g. 64K, 1M, 4M), not 3K");
        assertThatThrownBy(() -> new Perf(4, -1, 0)).hasMessage("max-chunk must not be negative: -1");
        assertThat(new Perf(4, 0, 4 << 20).minClusterSize()).isEqualTo(4 << 20);
    }

    @Test
    void writeBehindIsCheckedAndAppliesOnlyUnderBreakSnapshot() {
        assertThatThrownBy(() -> BackupOptions.fleecingDefaults().withWriteBehind(-1))
                .hasMessage("write-behind must not be negative: -1");
        assertThat(BackupOptions.fleecingDefaults().writeBehind()).isEqualTo(32L << 20);
        assertThat(GuestBackup.fleecingWriteBehind(BackupOptions.fleecingDefaults())).isEqualTo(32L << 20);
        assertThat(GuestBackup.fleecingWriteBehind(BackupOptions.fleecingDefaults().withWriteBehind(0))).isZero();
        assertThat(GuestBackup.fleecingWriteBehind(BackupOptions.fleecingDefaults()
                .withOnCbwError(OnCbwError.BREAK_GUEST_WRITE))).as("a failed copy must fail its guest write").isZero();
    }

    @Test
    void maxChunkBelowTheClusterSizeIsRefusedBeforeAnythingChanges() {
        GuestBackup.Disk d = disk(8 << 20, 8 << 20, false);
        BackupOptions o = BackupOptions.defaults().withPerf(new Perf(4, 32768, 0));
        assertThatThrownBy(() -> GuestBackup.prepare("b", List.of(d), o, e -> { }))
                .hasMessage("max-chunk (32K) must be 0 (unlimited) or at least the job cluster size (64K)");
        assertThat(d.seat().delegate()).isInstanceOf(MemoryNode.class);
    }

    @Test
    void sizesMustMatch() {
        assertThatThrownBy(() -> GuestBackup.prepare("b", List.of(disk(8 << 20, 4 << 20, false)),
                BackupOptions.defaults(), e -> { })).hasMessageContaining("sizes differ");
    }

    @Test
    void bitmapRulesFollowQemu() {
        assertThatThrownBy(() -> BackupOptions.defaults().withSync(SyncMode.BITMAP))
                .hasMessage("sync=bitmap needs a bitmap-mode (on-success, always or never)");
        assertThatThrownBy(() -> BackupOptions.defaults().withSync(SyncMode.INCREMENTAL).withBitmapMode(BitmapMode.ALWAYS))
                .hasMessage("sync=incremental implies bitmap-mode=on-success, not always");
        assertThatThrownBy(() -> BackupOptions.defaults().withSync(SyncMode.NONE).withBitmapMode(BitmapMode.NEVER))
                .hasMessage("sync=none cannot use a dirty bitmap");
        BackupOptions inc = BackupOptions.defaults().withSync(SyncMode.INCREMENTAL);
        assertThat(inc.bitmapMode()).isEqualTo(BitmapMode.ON_SUCCESS);
        assertThatThrownBy(() -> GuestBackup.prepare("b", List.of(disk(8 << 20, 8 << 20, false)), inc, e -> { }))
                .hasMessage("sync=incremental with bitmap-mode=on-success needs a dirty bitmap, and the disk has none");
    }

    @Test
    void discardSourceWithoutFleecingIsRefused() {
        assertThatThrownBy(() -> GuestBackup.prepare("b", List.of(disk(8 << 20, 8 << 20, false)),
                BackupOptions.defaults().withDiscardSource(true), e -> { }))
                .hasMessageContaining("discard-source needs fleecing");
    }

    @Test
    void optionValuesParseAndRefuseNonsense() {
        assertThat(SyncMode.parse("incremental")).isEqualTo(SyncMode.INCREMENTAL);
        assertThat(BitmapMode.parse("on-success")).isEqualTo(BitmapMode.ON_SUCCESS);
        assertThat(OnCbwError.parse("break-snapshot")).isEqualTo(OnCbwError.BREAK_SNAPSHOT);
        assertThatThrownBy(() -> SyncMode.parse("partial")).hasMessageContaining("not 'partial'");
        assertThatThrownBy(() -> BitmapMode.parse("sometimes")).hasMessageContaining("on-success, always or never");
        assertThatThrownBy(() -> OnCbwError.parse("ignore")).hasMessageContaining("break-guest-write or break-snapshot");
        assertThatThrownBy(() -> BackupOptions.defaults().withCbwTimeout(-1)).hasMessageContaining("cbw-timeout");
        assertThatThrownBy(() -> BackupOptions.defaults().withSpeed(-5)).hasMessageContaining("speed");
    }

    @Test
    void fleecingRaisesTheJobClusterSizeToTheFleecingImages() {
        GuestBackup.Disk d = new GuestBackup.Disk("scsi0", new DrainableNode(new MemoryNode("d", 16 << 20, K64)),
                new MemoryNode("t", 16 << 20, K64), new MemoryNode("f", 16 << 20, 4 << 20), null);
        GuestBackup b = GuestBackup.prepare("b", List.of(d), BackupOptions.fleecingDefaults(), e -> { });
        assertThat(b.warnings()).anyMatch(w -> w.contains("raised to 4 MiB"));
    }
}
