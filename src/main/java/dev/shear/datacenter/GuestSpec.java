package dev.shear.datacenter;

import dev.shear.block.ImageFormat;
import java.util.List;

/// What [Guests#create] makes: a guest and new, empty disks for it.
///
/// @param vmid        the new guest's id
/// @param name        its name (see [GuestConfig])
/// @param description free text, may be null
/// @param disks       the disks to allocate
public record GuestSpec(int vmid, String name, String description, List<DiskSpec> disks) {
    public GuestSpec {
        VolumeName.checkVmid(vmid);
        disks = List.copyOf(disks);
    }

    /// One disk to allocate.
    ///
    /// @param bus     the bus
    /// @param index   the slot on the bus
    /// @param storage the id of the storage to allocate it on
    /// @param format  the image format, or null for the storage's default format
    /// @param size    the size in bytes
    public record DiskSpec(Bus bus, int index, String storage, ImageFormat format, long size) {
        public DiskSpec {
            StorageConfig.checkId(storage);
        }
    }
}
