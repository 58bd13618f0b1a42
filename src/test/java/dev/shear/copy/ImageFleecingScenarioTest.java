package dev.shear.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.MemoryNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/// The scenario table of QEMU's `image-fleecing` iotest, as our own test: patterns written before
/// the point in time, guest overwrites / zeroes afterwards, and the remainder that must be
/// untouched — checked in four phases through the CBW filter and its snapshot view.
class ImageFleecingScenarioTest {
    private static final long SIZE = 64L << 20;
    private static final int K = 1024;

    record Op(int pattern, long offset, int length) {
    }

    static final List<Op> PATTERNS = List.of(
            new Op(0x5d, 0, 64 * K),
            new Op(0xd5, 1 << 20, 64 * K),
            new Op(0xdc, 32L << 20, 64 * K),
            new Op(0xcd, 0x3ff0000, 64 * K));
    static final List<Op> OVERWRITE = List.of(
            new Op(0xab, 0, 64 * K),                 // full overwrite
            new Op(0xad, 0x00f8000, 64 * K),         // partial-left (1M-32K)
            new Op(0x1d, 0x2008000, 64 * K),         // partial-right (32M+32K)
            new Op(0xea, 0x3fe0000, 64 * K));        // adjacent-left (64M-128K)
    static final List<Op> ZEROES = List.of(
            new Op(0, 0x00f8000, 32 * K),            // left end of partial-left
            new Op(0, 0x2010000, 32 * K),            // right end of partial-right
            new Op(0, 0x3fe0000, 64 * K));           // overwrite[3]
    static final List<Op> REMAINDER = List.of(
            new Op(0xd5, 0x108000, 32 * K),          // right end of partial-left
            new Op(0xdc, 0x2000000, 32 * K),         // left end of partial-right
            new Op(0xcd, 0x3ff0000, 64 * K));        // patterns[3]

    static byte[] fill(int pattern, int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) pattern);
        return b;
    }

    static void assertReads(BlockNode n, Op op, String what) throws IOException {
        assertThat(n.read(op.offset(), op.length())).as("%s 0x%x at 0x%x+%d", what, op.pattern(), op.offset(),
                op.length()).isEqualTo(fill(op.pattern(), op.length()));
    }

    private void runScenario(MemoryNode fleece, boolean pushBackup) throws Exception {
        MemoryNode disk = new MemoryNode("disk", SIZE, 64 * K);
        // phase 1: the guest writes the patterns before the point in time
        for (Op p : PATTERNS) {
            disk.write(p.offset(), fill(p.pattern(), p.length()));
        }
        // phase 2: fleecing starts; the snapshot shows the patterns
        BlockCopy toFleece = BlockCopy.create(disk, fleece, CopyOptions.defaults(), null);
        CbwFilter cbw = new CbwFilter(toFleece, OnCbwError.BREAK_SNAPSHOT, 0);
        SnapshotAccessNode snapshot = new SnapshotAccessNode(cbw);
        for (Op p : PATTERNS) {
            assertReads(snapshot, p, "snapshot before overwrite");
        }
        // phase 3: the guest overwrites and zeroes through the filter
        for (Op o : OVERWRITE) {
            cbw.write(o.offset(), fill(o.pattern(), o.length()));
        }
        for (Op z : ZEROES) {
            cbw.writeZeroes(z.offset(), z.length(), true);
        }
        // phase 4: the snapshot still shows the old data, the disk the new
        for (Op p : PATTERNS) {
            assertReads(snapshot, p, "snapshot after overwrite");
        }
        assertThat(snapshot.read(2L << 20, 64 * K)).as("never-written area").containsOnly(0);
        for (Op o : OVERWRITE.subList(0, 3)) {
            assertReads(disk, o.offset() == 0x00f8000 ? new Op(0xad, 0x100000, 32 * K)
                    : o.offset() == 0x2008000 ? new Op(0x1d, 0x2008000, 32 * K) : o, "disk overwrite");
        }
        for (Op z : ZEROES) {
            assertReads(disk, z, "disk zeroes");
        }
        for (Op r : REMAINDER) {
            assertReads(disk, r, "disk remainder");
        }
        if (pushBackup) {
            MemoryNode target = new MemoryNode("target", SIZE, 64 * K);
            BlockCopy job = BlockCopy.create(snapshot, target, CopyOptions.defaults().withDiscardSource(true), null);
            job.copy(0, SIZE);
            for (Op p : PATTERNS) {
                assertReads(target, p, "backup");
            }
            assertThat(fleece.allocatedBytes()).as("fleecing image emptied by discard-source").isZero();
            assertThatThrownBy(() -> snapshot.read(0, 4096)).hasMessageContaining("not accessible");
        }
    }

    @Test
    void pullModeSnapshotShowsThePointInTime() throws Exception {
        runScenario(new MemoryNode("fleece", SIZE, 64 * K), false);
    }

    @Test
    void pushBackupWithFleecingAndDiscardSourceCopiesThePointInTime() throws Exception {
        runScenario(new MemoryNode("fleece", SIZE, 64 * K), true);
    }

    @Test
    void snapshotIsReadOnlyAndDiscardAlignsInward() throws Exception {
        MemoryNode disk = new MemoryNode("disk", SIZE, 64 * K);
        disk.write(0, fill(0x11, 256 * K));
        CbwFilter cbw = new CbwFilter(BlockCopy.create(disk, new MemoryNode("f", SIZE, 64 * K),
                CopyOptions.defaults(), null), OnCbwError.BREAK_GUEST_WRITE, 0);
        SnapshotAccessNode snapshot = new SnapshotAccessNode(cbw);
        assertThatThrownBy(() -> snapshot.write(0, new byte[512])).hasMessageContaining("read-only");
        assertThatThrownBy(() -> snapshot.writeZeroes(0, 512, true)).hasMessageContaining("read-only");
        snapshot.discard(32 * K, 64 * K);             // covers no whole cluster: ignored
        assertThat(snapshot.read(0, 128 * K)).isEqualTo(fill(0x11, 128 * K));
        snapshot.discard(32 * K, 128 * K);            // covers exactly cluster 1
        assertThat(snapshot.read(0, 64 * K)).isEqualTo(fill(0x11, 64 * K));
        assertThat(snapshot.read(128 * K, 64 * K)).isEqualTo(fill(0x11, 64 * K));
        assertThatThrownBy(() -> snapshot.read(64 * K, 4096)).hasMessageContaining("not accessible");
        // a discarded cluster is no longer copied before guest writes
        cbw.write(64 * K, fill(0x22, 64 * K));
        assertThat(cbw.blockCopy().bytesDone()).isZero();
    }
}
