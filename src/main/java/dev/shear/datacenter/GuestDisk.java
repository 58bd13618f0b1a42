package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/// One disk of a guest: where it hangs (`scsi0`), which volume backs it, and its size.
///
/// @param bus    the bus
/// @param index  the slot on the bus, 0 to [Bus#maxIndex()]
/// @param volume the volume (a `disk` volume of the guest itself)
/// @param size   the disk's size in bytes, positive
public record GuestDisk(
        @JsonProperty(required = true) Bus bus,
        @JsonProperty(required = true) int index,
        @JsonProperty(required = true) VolumeId volume,
        @JsonProperty(required = true) long size) {
    public GuestDisk {
        if (bus == null) {
            throw new IllegalArgumentException("a disk needs a bus (ide, sata, scsi or virtio)");
        }
        if (index < 0 || index > bus.maxIndex()) {
            throw new IllegalArgumentException("disk index " + index + " is outside 0…" + bus.maxIndex() + " for bus "
                    + bus.id());
        }
        if (volume == null) {
            throw new IllegalArgumentException("disk " + bus.id() + index + " needs a volume");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("disk " + bus.id() + index + ": size must be positive, got " + size);
        }
    }

    /// The disk's key, as in Proxmox VE: `scsi0`, `virtio1`.
    @JsonIgnore
    public String key() {
        return bus.id() + index;
    }
}
