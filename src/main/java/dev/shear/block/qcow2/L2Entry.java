package dev.shear.block.qcow2;

/// What an L2 entry says about its guest cluster.
enum L2Entry {
    /// Offset 0, no zero flag: the backing file's data (or zeroes without one).
    UNALLOCATED,
    /// Zero flag, no host cluster.
    ZERO,
    /// Zero flag with a host cluster kept for later writes ("preallocated zero").
    ZERO_ALLOCATED,
    /// Data in a host cluster.
    NORMAL,
    /// Compressed data; Shear refuses these.
    COMPRESSED;

    static L2Entry of(long entry) {
        if ((entry & Qcow2Header.OFLAG_COMPRESSED) != 0) {
            return COMPRESSED;
        }
        boolean zero = (entry & Qcow2Header.OFLAG_ZERO) != 0;
        boolean allocated = (entry & Qcow2Header.OFFSET_MASK) != 0;
        if (zero) {
            return allocated ? ZERO_ALLOCATED : ZERO;
        }
        return allocated ? NORMAL : UNALLOCATED;
    }

    /// The host offset of a standard entry (0 when none).
    static long hostOffset(long entry) {
        return entry & Qcow2Header.OFFSET_MASK;
    }

    /// True when the entry owns a host cluster.
    boolean hasHostCluster() {
        return this == NORMAL || this == ZERO_ALLOCATED;
    }
}
