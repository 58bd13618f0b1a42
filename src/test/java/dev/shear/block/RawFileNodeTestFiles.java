package dev.shear.block;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/// Files for raw-node tests made without the node under test.
final class RawFileNodeTestFiles {
    private RawFileNodeTestFiles() {
    }

    /// A new sparse file of `size` bytes.
    static Path sparse(Path path, long size) throws IOException {
        Files.createFile(path);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }
}
