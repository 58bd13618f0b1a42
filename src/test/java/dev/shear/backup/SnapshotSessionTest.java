package dev.shear.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.DrainableNode;
import dev.shear.block.MemoryNode;
import dev.shear.copy.OnCbwError;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotSessionTest {
    private static final int K64 = 65536;

    @Test
    void snapshotsShowThePointInTimeAndTrimFreesTheFleecingImage() throws Exception {
        MemoryNode img = new MemoryNode("d", 4L << 20, K64);
        byte[] data = new byte[4 << 20];
        new Random(1).nextBytes(data);
        img.write(0, data);
        DrainableNode seat = new DrainableNode(img);
        MemoryNode fleece = new MemoryNode("f", 4L << 20, K64);
        try (SnapshotSession s = SnapshotSession.start(List.of(new SnapshotSession.Disk("scsi0", seat, fleece)),
                OnCbwError.BREAK_SNAPSHOT, 0)) {
            seat.write(0, new byte[1 << 20]);                 // the guest overwrites the first MiB
            assertThat(fleece.allocatedBytes()).isEqualTo(1L << 20);
            assertThat(s.snapshots().get(0).read(0, 4 << 20)).isEqualTo(data);
            s.snapshots().get(0).discard(0, 2 << 20);          // the external tool is done with 2 MiB
            assertThat(fleece.allocatedBytes()).isZero();
            assertThatThrownBy(() -> s.snapshots().get(0).read(0, 512)).hasMessageContaining("not accessible");
            assertThat(s.brokenError()).isNull();
        }
        assertThat(seat.delegate()).isSameAs(img);
        assertThat(img.read(0, 4096)).containsOnly(0);
    }

    @Test
    void aFleecingImageOfTheWrongSizeIsRefusedBeforeAnythingChanges() {
        DrainableNode seat = new DrainableNode(new MemoryNode("d", 4L << 20, K64));
        assertThatThrownBy(() -> SnapshotSession.start(List.of(new SnapshotSession.Disk("scsi0", seat,
                new MemoryNode("f", 2L << 20, K64))), OnCbwError.BREAK_SNAPSHOT, 0)).hasMessageContaining("sizes differ");
        assertThat(seat.delegate()).isInstanceOf(MemoryNode.class);
    }
}
