package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/// Reads and validates the first cluster of a qcow2 image into a [Qcow2Header]. Every check names the
/// header field at fault; nothing is allocated from an unchecked size, so a hostile file can neither
/// crash nor exhaust memory. Features Shear cannot handle (encryption, external data files, extended
/// L2 entries, dirty or corrupt images, unknown incompatible bits) are refused here, for reading and
/// writing alike.
final class HeaderParser {
    private final Path file;
    private final long fileSize;

    private HeaderParser(Path file, long fileSize) {
        this.file = file;
        this.fileSize = fileSize;
    }

    /// Parses the header of `host`.
    static Qcow2Header parse(HostFile host) throws IOException {
        return new HeaderParser(host.path(), host.size()).parse0(host);
    }

    private Qcow2FormatException bad(String problem) {
        return new Qcow2FormatException(file, problem);
    }

    private Qcow2Header parse0(HostFile host) throws IOException {
        if (fileSize < Qcow2Header.V2_HEADER_LENGTH) {
            throw bad("file is truncated: " + fileSize + " bytes, shorter than a qcow2 header ("
                    + Qcow2Header.V2_HEADER_LENGTH + " bytes)");
        }
        ByteBuffer h = ByteBuffer.allocate(Qcow2Header.V3_HEADER_LENGTH);
        host.read(0, h);
        h.flip();
        int magic = h.getInt(0);
        if (magic != Qcow2Header.MAGIC) {
            throw bad(String.format("header field magic is 0x%08x, not 0x514649fb ('QFI\\xfb'): not a qcow2 image", magic));
        }
        int version = h.getInt(4);
        if (version != 2 && version != 3) {
            throw bad("header field version is " + version + "; Shear supports qcow2 versions 2 and 3");
        }
        int clusterBits = h.getInt(20);
        if (clusterBits < Qcow2Header.MIN_CLUSTER_BITS || clusterBits > Qcow2Header.MAX_CLUSTER_BITS) {
            throw bad("header field cluster_bits is " + clusterBits + "; it must be "
                    + Qcow2Header.MIN_CLUSTER_BITS + " to " + Qcow2Header.MAX_CLUSTER_BITS + " (512 B to 2 MiB clusters)");
        }
        int clusterSize = 1 << clusterBits;
        int headerLength = Qcow2Header.V2_HEADER_LENGTH;
        long incompatible = 0;
        long autoclear = 0;
        int refcountOrder = 4;
        if (version == 3) {
            if (fileSize < Qcow2Header.V3_HEADER_LENGTH) {
                throw bad("file is truncated: " + fileSize + " bytes, shorter than a version 3 header ("
                        + Qcow2Header.V3_HEADER_LENGTH + " bytes)");
            }
            incompatible = h.getLong(72);
            autoclear = h.getLong(88);
            refcountOrder = h.getInt(96);
            headerLength = h.getInt(100);
            if (headerLength < Qcow2Header.V3_HEADER_LENGTH || headerLength % 8 != 0 || headerLength > clusterSize) {
                throw bad("header field header_length is " + headerLength + "; it must be a multiple of 8 from "
                        + Qcow2Header.V3_HEADER_LENGTH + " to the cluster size " + clusterSize);
            }
            if (headerLength > fileSize) {
                throw bad("file is truncated: " + fileSize + " bytes, shorter than its header (header_length "
                        + headerLength + ")");
            }
            if (refcountOrder < 0 || refcountOrder > 6) {
                throw bad("header field refcount_order is " + refcountOrder + "; it must be 0 to 6");
            }
        }
        ByteBuffer cluster = ByteBuffer.allocate(clusterSize);
        host.read(0, cluster);
        cluster.flip();
        Map<Integer, String> featureNames = new HashMap<>();
        String backingFormat = readExtensions(cluster, headerLength, backingNameOffset(cluster), featureNames);
        checkIncompatible(incompatible, featureNames);
        int crypt = cluster.getInt(32);
        if (crypt != 0) {
            throw bad("header field crypt_method is " + crypt + " (" + (crypt == 1 ? "AES" : crypt == 2 ? "LUKS" : "unknown")
                    + " encryption); Shear does not support encrypted images");
        }
        long size = cluster.getLong(24);
        long maxSize = Qcow2Header.maxVirtualSize(clusterBits);
        if (size < 0 || size > maxSize) {
            throw bad("header field size is " + Long.toUnsignedString(size) + "; with " + clusterSize
                    + "-byte clusters the virtual size can be at most " + maxSize);
        }
        long l1Size = Integer.toUnsignedLong(cluster.getInt(36));
        long l1Offset = cluster.getLong(40);
        checkL1(size, clusterBits, l1Size, l1Offset);
        long rtOffset = cluster.getLong(48);
        long rtClusters = Integer.toUnsignedLong(cluster.getInt(56));
        checkRefcountTable(clusterSize, rtOffset, rtClusters);
        long nbSnapshots = Integer.toUnsignedLong(cluster.getInt(60));
        String backingFile = readBackingName(cluster, clusterSize);
        return new Qcow2Header(version, clusterBits, size, l1Size, l1Offset, rtOffset, rtClusters, nbSnapshots,
                incompatible, autoclear, refcountOrder, headerLength, backingFile, backingFormat);
    }

    private static long backingNameOffset(ByteBuffer cluster) {
        return cluster.getLong(8);
    }

    private void checkIncompatible(long bits, Map<Integer, String> names) throws Qcow2FormatException {
        if ((bits & Qcow2Header.INCOMPAT_DIRTY) != 0) {
            throw bad("incompatible feature 'dirty bit' is set: the image was not closed cleanly and its refcounts "
                    + "may be wrong; repair it with 'qemu-img check -r all' first");
        }
        if ((bits & Qcow2Header.INCOMPAT_CORRUPT) != 0) {
            throw bad("incompatible feature 'corrupt bit' is set: QEMU found corrupt metadata; repair it with "
                    + "'qemu-img check -r all' first");
        }
        if ((bits & Qcow2Header.INCOMPAT_DATA_FILE) != 0) {
            throw bad("incompatible feature 'external data file' is set; Shear does not support external data files");
        }
        if ((bits & Qcow2Header.INCOMPAT_EXTL2) != 0) {
            throw bad("incompatible feature 'extended L2 entries' is set; Shear does not support subclusters");
        }
        long unknown = bits & ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_CORRUPT | Qcow2Header.INCOMPAT_DATA_FILE
                | Qcow2Header.INCOMPAT_COMPRESSION | Qcow2Header.INCOMPAT_EXTL2);
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            String name = names.getOrDefault(bit, "unknown");
            throw bad("incompatible feature bit " + bit + " ('" + name + "') is set in header field "
                    + "incompatible_features; Shear does not support it");
        }
    }

    private void checkL1(long size, int clusterBits, long l1Size, long l1Offset) throws Qcow2FormatException {
        long needed = Qcow2Header.l1EntriesFor(size, clusterBits);
        if (l1Size > Qcow2Header.MAX_L1_BYTES / 8) {
            throw bad("header field l1_size is " + l1Size + " entries; QEMU allows at most " + Qcow2Header.MAX_L1_BYTES / 8);
        }
        if (l1Size < needed) {
            throw bad("header field l1_size is " + l1Size + " entries, too small for the virtual size " + size
                    + " (needs " + needed + ")");
        }
        if (l1Size == 0) {
            return;
        }
        if ((l1Offset & ((1L << clusterBits) - 1)) != 0 || l1Offset <= 0) {
            throw bad("header field l1_table_offset " + l1Offset + " is not a cluster-aligned offset after the header");
        }
        if (l1Offset >= fileSize) {
            throw bad("header field l1_table_offset " + l1Offset + " is past the end of the file (" + fileSize + " bytes)");
        }
    }

    private void checkRefcountTable(int clusterSize, long offset, long clusters) throws Qcow2FormatException {
        if (clusters == 0 || clusters > Qcow2Header.MAX_REFCOUNT_TABLE_BYTES / clusterSize) {
            throw bad("header field refcount_table_clusters is " + clusters + "; it must be 1 to "
                    + Qcow2Header.MAX_REFCOUNT_TABLE_BYTES / clusterSize + " (QEMU's 8 MiB limit)");
        }
        if ((offset & (clusterSize - 1)) != 0 || offset <= 0) {
            throw bad("header field refcount_table_offset " + offset + " is not a cluster-aligned offset after the header");
        }
        if (offset >= fileSize) {
            throw bad("header field refcount_table_offset " + offset + " is past the end of the file (" + fileSize + " bytes)");
        }
    }

    private String readBackingName(ByteBuffer cluster, int clusterSize) throws Qcow2FormatException {
        long offset = backingNameOffset(cluster);
        if (offset == 0) {
            return null;
        }
        long length = Integer.toUnsignedLong(cluster.getInt(16));
        if (length == 0 || length > Qcow2Header.MAX_BACKING_NAME) {
            throw bad("header field backing_file_size is " + length + "; it must be 1 to " + Qcow2Header.MAX_BACKING_NAME);
        }
        if (offset < 0 || offset + length > clusterSize) {
            throw bad("header fields backing_file_offset " + offset + " and backing_file_size " + length
                    + " point past the header cluster (" + clusterSize + " bytes)");
        }
        byte[] name = new byte[(int) length];
        cluster.get((int) offset, name);
        return new String(name, StandardCharsets.UTF_8);
    }

    /// Walks the header extensions; returns the backing format, or null.
    private String readExtensions(ByteBuffer cluster, int start, long backingOffset, Map<Integer, String> featureNames)
            throws Qcow2FormatException {
        int end = backingOffset > 0 && backingOffset < cluster.capacity() ? (int) backingOffset : cluster.capacity();
        String backingFormat = null;
        int pos = start;
        while (pos + 8 <= end) {
            int type = cluster.getInt(pos);
            long len = Integer.toUnsignedLong(cluster.getInt(pos + 4));
            if (type == Qcow2Header.EXT_END) {
                return backingFormat;
            }
            if (pos + 8 + len > end) {
                throw bad(String.format("header extension 0x%08x at byte %d has length %d, past the end of the header "
                        + "area (%d bytes)", type, pos, len, end));
            }
            byte[] data = new byte[(int) len];
            cluster.get(pos + 8, data);
            if (type == Qcow2Header.EXT_BACKING_FORMAT) {
                backingFormat = new String(data, StandardCharsets.UTF_8);
            } else if (type == Qcow2Header.EXT_FEATURE_NAMES) {
                for (int i = 0; i + 48 <= data.length; i += 48) {
                    if (data[i] == 0) {
                        int nameEnd = i + 2;
                        while (nameEnd < i + 48 && data[nameEnd] != 0) {
                            nameEnd++;
                        }
                        featureNames.put(data[i + 1] & 0xff,
                                new String(data, i + 2, nameEnd - i - 2, StandardCharsets.UTF_8));
                    }
                }
            }
            pos += 8 + (int) ((len + 7) & ~7L);
        }
        return backingFormat;
    }
}
