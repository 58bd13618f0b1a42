package dev.shear.block.qcow2;

import java.nio.ByteBuffer;

/// The fields of a qcow2 header (`docs/interop/qcow2.txt` in QEMU), already validated by
/// [HeaderParser]: every offset is cluster-aligned and starts inside the file, every size is within
/// QEMU's limits. Also the format's constants and the byte offsets of the fields Shear rewrites.
///
/// @param backingFile   the backing file name as stored, or null
/// @param backingFormat the backing-format header extension (`raw`, `qcow2`, …), or null when absent
record Qcow2Header(int version, int clusterBits, long size, long l1Size, long l1TableOffset,
                   long refcountTableOffset, long refcountTableClusters, long nbSnapshots,
                   long incompatibleFeatures, long autoclearFeatures, int refcountOrder, int headerLength,
                   String backingFile, String backingFormat) {

    static final int MAGIC = 0x514649fb;
    static final int V2_HEADER_LENGTH = 72;
    static final int V3_HEADER_LENGTH = 104;
    /// The header length Shear writes: 104 plus the compression_type byte, padded to 8.
    static final int WRITTEN_HEADER_LENGTH = 112;
    static final int MIN_CLUSTER_BITS = 9;
    static final int MAX_CLUSTER_BITS = 21;
    static final int MAX_BACKING_NAME = 1023;
    /// QEMU's limits: L1 table ≤ 32 MiB, refcount table ≤ 8 MiB.
    static final long MAX_L1_BYTES = 32L << 20;
    static final long MAX_REFCOUNT_TABLE_BYTES = 8L << 20;
    /// Host offsets in L1/L2 entries have 56 bits.
    static final long MAX_HOST_OFFSET = 1L << 56;

    // byte offsets of fields Shear writes after creation
    static final int OFF_L1_SIZE = 36;
    static final int OFF_REFCOUNT_TABLE_OFFSET = 48;
    static final int OFF_AUTOCLEAR = 88;

    // incompatible feature bits
    static final long INCOMPAT_DIRTY = 1;
    static final long INCOMPAT_CORRUPT = 2;
    static final long INCOMPAT_DATA_FILE = 4;
    static final long INCOMPAT_COMPRESSION = 8;
    static final long INCOMPAT_EXTL2 = 16;

    static final long AUTOCLEAR_BITMAPS = 1;

    // header extensions
    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xe2792aca;
    static final int EXT_FEATURE_NAMES = 0x6803f857;

    // L1/L2/refcount-table entry bits
    static final long OFLAG_COPIED = 1L << 63;
    static final long OFLAG_COMPRESSED = 1L << 62;
    static final long OFLAG_ZERO = 1L;
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    static final long REFT_OFFSET_MASK = 0xffff_ffff_ffff_fe00L;

    int clusterSize() {
        return 1 << clusterBits;
    }

    /// Entries per L2 table.
    int l2Entries() {
        return 1 << (clusterBits - 3);
    }

    boolean hasBacking() {
        return backingFile != null;
    }

    /// The L1 entries a disk of `size` bytes needs with `clusterBits`.
    static long l1EntriesFor(long size, int clusterBits) {
        long bytesPerL2 = 1L << (2 * clusterBits - 3);
        return (size + bytesPerL2 - 1) / bytesPerL2;
    }

    /// The largest virtual size whose L1 table fits QEMU's 32 MiB limit.
    static long maxVirtualSize(int clusterBits) {
        return (MAX_L1_BYTES / 8) << (2 * clusterBits - 3);
    }

    /// The 112-byte version 3 header of a new image; the extensions and backing name follow it.
    static ByteBuffer encodeV3(int clusterBits, long size, long l1Size, long l1TableOffset, long refcountTableOffset,
                               int refcountTableClusters, long backingFileOffset, int backingFileSize) {
        ByteBuffer b = ByteBuffer.allocate(WRITTEN_HEADER_LENGTH);
        b.putInt(MAGIC).putInt(3).putLong(backingFileOffset).putInt(backingFileSize).putInt(clusterBits)
                .putLong(size).putInt(0).putInt((int) l1Size).putLong(l1TableOffset)
                .putLong(refcountTableOffset).putInt(refcountTableClusters).putInt(0).putLong(0)
                .putLong(0).putLong(0).putLong(0)   // incompatible, compatible, autoclear features
                .putInt(4).putInt(WRITTEN_HEADER_LENGTH);
        b.put((byte) 0);                            // compression_type zlib; the rest is padding
        return b.position(0).limit(WRITTEN_HEADER_LENGTH);
    }
}
