package dev.shear.block.qcow2;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/// What [Qcow2Node#create] makes: a qcow2 version 3 image (`compat=1.1`, 16-bit refcounts, no
/// compression, no encryption), as `qemu-img create -f qcow2 -o cluster_size=…` would.
///
/// @param virtualSize the disk size in bytes: positive, a multiple of 512, and small enough that the
///                    L1 table fits QEMU's 32 MiB limit (128 GiB for 512-byte clusters, 2 PiB for 64 KiB)
/// @param clusterSize a power of two from 512 B to 2 MiB (QEMU's range); 64 KiB by default
/// @param backing     the backing file, or null for a standalone image
public record Qcow2Options(long virtualSize, int clusterSize, BackingFile backing) {
    /// QEMU's default cluster size.
    public static final int DEFAULT_CLUSTER_SIZE = 64 * 1024;
    /// The smallest cluster size qcow2 allows.
    public static final int MIN_CLUSTER_SIZE = 512;
    /// The largest cluster size QEMU opens.
    public static final int MAX_CLUSTER_SIZE = 2 * 1024 * 1024;

    /// The backing file of an image.
    ///
    /// @param path   the name stored in the image: relative names are resolved against the image's
    ///               directory (as QEMU does), so `base.qcow2` means "next to the image"
    /// @param format how to read it
    public record BackingFile(String path, BackingFormat format) {
        public BackingFile {
            if (path == null || path.isBlank() || path.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("backing file name must be a non-blank path: '" + path + "'");
            }
            int bytes = path.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > Qcow2Header.MAX_BACKING_NAME) {
                throw new IllegalArgumentException("backing file name is " + bytes + " bytes; qcow2 allows at most "
                        + Qcow2Header.MAX_BACKING_NAME + ": " + path);
            }
            if (format == null) {
                throw new IllegalArgumentException("backing format is required for backing file " + path
                        + " (raw or qcow2)");
            }
        }
    }

    /// The formats a backing file may have.
    public enum BackingFormat {
        RAW("raw"), QCOW2("qcow2");

        private final String id;

        BackingFormat(String id) {
            this.id = id;
        }

        /// The name stored in the image's backing-format header extension (`qemu-img -F`).
        public String id() {
            return id;
        }
    }

    public Qcow2Options {
        if (clusterSize < MIN_CLUSTER_SIZE || clusterSize > MAX_CLUSTER_SIZE || Integer.bitCount(clusterSize) != 1) {
            throw new IllegalArgumentException("cluster size " + clusterSize + " is invalid: it must be a power of two from "
                    + MIN_CLUSTER_SIZE + " to " + MAX_CLUSTER_SIZE + " bytes");
        }
        if (virtualSize <= 0 || virtualSize % 512 != 0) {
            throw new IllegalArgumentException("virtual size " + virtualSize + " is invalid: it must be a positive multiple of 512 bytes");
        }
        long max = Qcow2Header.maxVirtualSize(Integer.numberOfTrailingZeros(clusterSize));
        if (virtualSize > max) {
            throw new IllegalArgumentException("virtual size " + virtualSize + " is too large for " + clusterSize
                    + "-byte clusters: at most " + max + " bytes (QEMU's 32 MiB L1 table limit)");
        }
    }

    /// A standalone image of `virtualSize` bytes with 64 KiB clusters.
    public static Qcow2Options of(long virtualSize) {
        return new Qcow2Options(virtualSize, DEFAULT_CLUSTER_SIZE, null);
    }

    /// The same image with another cluster size.
    public Qcow2Options withClusterSize(int size) {
        return new Qcow2Options(virtualSize, size, backing);
    }

    /// The same image on top of a backing file (`qemu-img create -b path -F format`).
    public Qcow2Options withBacking(String path, BackingFormat format) {
        return new Qcow2Options(virtualSize, clusterSize, new BackingFile(path, format));
    }

    /// The backing file, if there is one.
    public Optional<BackingFile> backingFile() {
        return Optional.ofNullable(backing);
    }
}
