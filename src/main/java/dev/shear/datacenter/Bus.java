package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/// The bus a guest disk hangs on, with Proxmox VE's limits on its index (`scsi0`…`scsi30`).
public enum Bus {
    IDE("ide", 3),
    SATA("sata", 5),
    SCSI("scsi", 30),
    VIRTIO("virtio", 15);

    private final String id;
    private final int maxIndex;

    Bus(String id, int maxIndex) {
        this.id = id;
        this.maxIndex = maxIndex;
    }

    /// The word in disk keys (`scsi` in `scsi0`) and files.
    @JsonValue
    public String id() {
        return id;
    }

    /// The highest index on this bus.
    public int maxIndex() {
        return maxIndex;
    }

    /// The bus named `id`.
    ///
    /// @throws IllegalArgumentException naming the value and the known buses
    @JsonCreator
    public static Bus parse(String id) {
        return Words.parse(values(), Bus::id, id, "disk bus");
    }
}
