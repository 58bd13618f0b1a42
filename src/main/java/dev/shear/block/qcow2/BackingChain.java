package dev.shear.block.qcow2;

import dev.shear.block.BlockNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/// Opens the backing file of a qcow2 image, read-only: a relative name is resolved against the
/// image's directory (as QEMU does), the format comes from the backing-format header extension or,
/// when the image has none, from the file's first bytes (qcow2 magic, else raw). Chains deeper than
/// [#MAX_DEPTH] are refused, which also stops an image that is its own backing file.
final class BackingChain {
    /// The longest backing chain Shear follows.
    static final int MAX_DEPTH = 32;

    private BackingChain() {
    }

    /// Where the backing file `name` of `image` is.
    static Path resolve(Path image, String name) throws Qcow2FormatException {
        try {
            Path p = Path.of(name);
            if (p.isAbsolute()) {
                return p;
            }
            Path dir = image.toAbsolutePath().getParent();
            return dir == null ? p : dir.resolve(p);
        } catch (InvalidPathException e) {
            throw new Qcow2FormatException(image, "backing file name '" + name + "' is not a valid path: " + e.getMessage());
        }
    }

    /// Opens the backing node named in `header` of `image`, at depth `depth` of the chain.
    static BlockNode open(Path image, Qcow2Header header, Qcow2CacheSize cache, int depth) throws IOException {
        String name = header.backingFile();
        if (depth >= MAX_DEPTH) {
            throw new Qcow2FormatException(image, "backing chain is deeper than " + MAX_DEPTH
                    + " images (does an image name itself as backing file?)");
        }
        Path path = resolve(image, name);
        if (!Files.isRegularFile(path)) {
            throw new Qcow2FormatException(image, "backing file '" + name + "' (" + path + ") does not exist or is "
                    + "not a regular file" + (name.contains(":") ? "; protocol and json: backing names are not supported" : ""));
        }
        String format = header.backingFormat() != null ? header.backingFormat() : probe(path);
        return switch (format) {
            case "raw" -> dev.shear.block.RawFileNode.open(path, dev.shear.block.RawOptions.READ_ONLY);
            case "qcow2" -> Qcow2Node.open(path, false, cache, depth + 1);
            default -> throw new Qcow2FormatException(image, "backing file '" + name + "' has format '" + format
                    + "'; Shear reads raw and qcow2 backing files only");
        };
    }

    /// `qcow2` when the file starts with the qcow2 magic, `raw` otherwise (QEMU's probe, minus formats
    /// Shear does not read).
    static String probe(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            ch.read(b, 0);   // a regular file returns all 4 bytes unless it is shorter
            return b.position() == 4 && b.getInt(0) == Qcow2Header.MAGIC ? "qcow2" : "raw";
        }
    }
}
