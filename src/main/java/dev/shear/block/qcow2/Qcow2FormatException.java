package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.file.Path;

/// A qcow2 image is corrupt, truncated, or uses a feature Shear does not support. The message always
/// starts with the image file and names the header field, table entry or feature at fault, so a user
/// can act on it (repair with `qemu-img check -r`, convert with `qemu-img convert`, or report it).
public class Qcow2FormatException extends IOException {
    private final Path file;

    public Qcow2FormatException(Path file, String problem) {
        super("qcow2 image " + file + ": " + problem);
        this.file = file;
    }

    /// The image file the problem was found in.
    public Path file() {
        return file;
    }
}
