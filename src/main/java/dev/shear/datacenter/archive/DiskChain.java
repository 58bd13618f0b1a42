package dev.shear.datacenter.archive;

import dev.shear.block.BlockNode;
import dev.shear.block.BlockStatus;
import dev.shear.block.qcow2.Qcow2Node;
import dev.shear.datacenter.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/// One disk of a complete archive, opened read-only through its incremental chain: the archive's
/// own image first, then the image of the same disk in its parent archive, and so on down to a
/// full backup. Reading the top image gives the whole disk (qcow2 reads through its backing file);
/// [#status] looks down the chain, so a caller sees which runs hold data anywhere in the chain and
/// which read as zeroes.
///
/// Opening checks the chain against the manifests before any image is read: a parent archive that
/// is missing or incomplete, a disk missing from a parent, or an image whose backing file
/// disagrees with its manifest is a clear [IOException] naming the archive and file.
final class DiskChain implements AutoCloseable {
    /// The longest chain followed (as for qcow2 backing chains).
    static final int MAX_DEPTH = 32;

    private final String key;
    /// Top (the archive asked for) first; each node reads through its own backing chain.
    private final List<BlockNode> nodes;

    private DiskChain(String key, List<BlockNode> nodes) {
        this.key = key;
        this.nodes = List.copyOf(nodes);
    }

    /// Opens disk `key` of `archive` (whose manifest is `manifest`): first the chain is followed
    /// through the manifests, then every image is opened.
    static DiskChain open(Archives archives, Archive archive, Manifest manifest, String key) throws IOException {
        List<Archive> chain = new ArrayList<>();
        List<Manifest.DiskEntry> entries = new ArrayList<>();
        Archive current = archive;
        Manifest m = manifest;
        while (true) {
            Manifest.DiskEntry entry = m.disk(key);
            if (entry == null) {
                throw new IOException("backup " + current.id() + " has no disk " + key
                        + (current == archive ? "" : ", but backup " + archive.id() + " is based on it"));
            }
            chain.add(current);
            entries.add(entry);
            if (!entry.incremental()) {
                break;
            }
            if (chain.size() >= MAX_DEPTH) {
                throw new IOException("backup " + archive.id() + ": disk " + key + " has an incremental chain deeper"
                        + " than " + MAX_DEPTH + " backups");
            }
            current = parentOf(archives, current, m);
            m = current.requireManifest();
        }
        for (int i = 0; i < chain.size(); i++) {
            Path file = chain.get(i).image(entries.get(i).file());
            if (!Files.isRegularFile(file)) {
                throw new NotFoundException("backup " + chain.get(i).id() + ": image " + file + " of disk " + key
                        + " is missing");
            }
        }
        List<BlockNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < chain.size(); i++) {
                nodes.add(openImage(chain.get(i), entries.get(i)));
            }
            return new DiskChain(key, nodes);
        } catch (IOException | RuntimeException e) {
            try {
                closeAll(nodes);
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    private static BlockNode openImage(Archive archive, Manifest.DiskEntry entry) throws IOException {
        Path file = archive.image(entry.file());
        Qcow2Node node = Qcow2Node.open(file, false);
        if (node.hasBacking() != entry.incremental() || node.size() != entry.size()) {
            long size = node.size();
            boolean backing = node.hasBacking();
            node.close();
            throw new IOException("backup " + archive.id() + ": image " + file + " does not match the manifest ("
                    + (backing ? "it has a backing file" : "it has no backing file") + ", " + size + " bytes; the"
                    + " manifest says " + (entry.incremental() ? "incremental" : "full") + ", " + entry.size() + " bytes)");
        }
        return node;
    }

    private static Archive parentOf(Archives archives, Archive child, Manifest m) throws IOException {
        String id = child.storage() + ":" + m.parent();
        Archive parent;
        try {
            parent = archives.find(id);
        } catch (NotFoundException e) {
            throw new NotFoundException("backup " + child.id() + " is incremental on top of " + id
                    + ", which is missing (was it pruned or deleted?)");
        }
        if (parent.state() != Archive.State.COMPLETE) {
            throw new IOException("backup " + child.id() + " is incremental on top of " + id + ", which is "
                    + parent.state().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
        }
        return parent;
    }

    /// The disk's key (`scsi0`).
    String key() {
        return key;
    }

    /// The archive's own image, reading the whole disk through the chain.
    BlockNode top() {
        return nodes.get(0);
    }

    /// The state of the run at `offset` (at most `length` long) through the chain: DATA where
    /// some image of the chain holds data, ZERO where the run reads as zeroes.
    BlockStatus status(long offset, long length) throws IOException {
        long len = length;
        for (BlockNode n : nodes) {
            BlockStatus s = n.blockStatus(offset, len);
            if (s.state() != BlockStatus.State.UNALLOCATED) {
                return s;
            }
            len = s.length();
        }
        // a chain always ends in a full image, which never reports UNALLOCATED
        throw new IOException("disk " + key + ": no image of the chain holds " + offset + "+" + len);
    }

    /// Hashes the disk (SHA-256 over its whole content, in order) and hands each data run to `sink`
    /// (null: hash only).
    String copy(ContentHash.DataSink sink, ContentHash.Progress progress) throws IOException {
        ContentHash hash = new ContentHash();
        hash.update(top(), this::status, sink, top().size(), progress);
        return hash.hex();
    }

    @Override
    public void close() throws IOException {
        closeAll(nodes);
    }

    private static void closeAll(List<BlockNode> nodes) throws IOException {
        IOException first = null;
        for (BlockNode n : nodes) {
            try {
                n.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
