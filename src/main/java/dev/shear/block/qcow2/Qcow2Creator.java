package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/// Writes a new, empty qcow2 version 3 image with QEMU's layout: the header in cluster 0, a
/// one-cluster refcount table in cluster 1, the first refcount block in cluster 2, the L1 table from
/// cluster 3 (allocated through [Refcounts], which adds blocks and grows the table when the L1 table
/// is large and the clusters small). A backing file is checked by opening it first. A failure
/// deletes the half-written file.
final class Qcow2Creator {
    private static final int REFCOUNT_ORDER = 4;

    private Qcow2Creator() {
    }

    static void create(Path file, Qcow2Options o, Qcow2CacheSize cache) throws IOException {
        int clusterBits = Integer.numberOfTrailingZeros(o.clusterSize());
        ByteBuffer headerCluster = headerCluster(o, clusterBits);
        if (o.backing() != null) {
            checkBacking(file, o.backing(), cache);
        }
        Files.createFile(file);
        boolean done = false;
        try (HostFile host = ChannelHostFile.open(file, true)) {
            write(host, o, clusterBits, headerCluster);
            host.force();
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void checkBacking(Path file, Qcow2Options.BackingFile b, Qcow2CacheSize cache) throws IOException {
        Path path = BackingChain.resolve(file, b.path());
        if (!Files.isRegularFile(path)) {
            throw new IOException("cannot create " + file + ": backing file '" + b.path() + "' (" + path
                    + ") does not exist or is not a regular file");
        }
        BlockNode opened = b.format() == Qcow2Options.BackingFormat.QCOW2
                ? Qcow2Node.open(path, false, cache) : dev.shear.block.RawFileNode.open(path, dev.shear.block.RawOptions.READ_ONLY);
        opened.close();
    }

    /// Cluster 0: header, backing-format extension, end of extensions, backing file name.
    private static ByteBuffer headerCluster(Qcow2Options o, int clusterBits) {
        int cs = 1 << clusterBits;
        ByteBuffer c = ByteBuffer.allocate(cs);
        byte[] name = o.backing() == null ? null : o.backing().path().getBytes(StandardCharsets.UTF_8);
        c.position(Qcow2Header.WRITTEN_HEADER_LENGTH);
        if (name != null) {
            byte[] fmt = o.backing().format().id().getBytes(StandardCharsets.UTF_8);
            c.putInt(Qcow2Header.EXT_BACKING_FORMAT).putInt(fmt.length).put(fmt);
            c.position((c.position() + 7) & ~7);
        }
        c.putInt(Qcow2Header.EXT_END).putInt(0);
        long backingOffset = 0;
        if (name != null) {
            if (c.position() + name.length > cs) {
                throw new IllegalArgumentException("backing file name '" + o.backing().path() + "' (" + name.length
                        + " bytes) does not fit in the " + cs + "-byte header cluster; use larger clusters or a shorter name");
            }
            backingOffset = c.position();
            c.put(name);
        }
        ByteBuffer h = Qcow2Header.encodeV3(clusterBits, o.virtualSize(), 0, 0, (long) cs, 1, backingOffset,
                name == null ? 0 : name.length);
        c.put(0, h, 0, h.remaining());
        return c.clear();
    }

    private static void write(HostFile host, Qcow2Options o, int clusterBits, ByteBuffer headerCluster)
            throws IOException {
        long cs = 1L << clusterBits;
        host.write(0, headerCluster);
        host.write(cs, ByteBuffer.allocate((int) cs).putLong(0, 2 * cs));
        byte[] block = new byte[(int) cs];
        RefcountWidth width = new RefcountWidth(REFCOUNT_ORDER);
        for (int i = 0; i < 3; i++) {
            width.set(block, i, 1);
        }
        host.write(2 * cs, ByteBuffer.wrap(block));
        Qcow2Header h = new Qcow2Header(3, clusterBits, o.virtualSize(), 0, 0, cs, 1, 0, 0, 0, REFCOUNT_ORDER,
                Qcow2Header.WRITTEN_HEADER_LENGTH, null, null);
        Refcounts rc = Refcounts.load(host, h, 4);
        long l1Entries = Qcow2Header.l1EntriesFor(o.virtualSize(), clusterBits);
        long l1Clusters = Math.max(1, (l1Entries * 8 + cs - 1) / cs);
        long l1Offset = rc.allocateContiguous(l1Clusters) << clusterBits;
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(l1Clusters * cs, 1 << 20));
        for (long done = 0; done < l1Clusters * cs; done += zeroes.capacity()) {
            host.write(l1Offset + done, zeroes.clear().limit((int) Math.min(zeroes.capacity(), l1Clusters * cs - done)));
        }
        host.write(Qcow2Header.OFF_L1_SIZE, ByteBuffer.allocate(12).putInt((int) l1Entries).putLong(l1Offset).flip());
    }
}
