package dev.shear.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/// The image formats Shear reads and writes, with the ways to tell which one a file or a name is.
public enum ImageFormat {
    /// The disk's bytes, as they are (usually a sparse file).
    RAW("raw"),
    /// QEMU's copy-on-write format, recognised by its magic `QFI\xfb` at offset 0.
    QCOW2("qcow2");

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    private final String id;

    ImageFormat(String id) {
        this.id = id;
    }

    /// The name used in options, volume names (as the extension) and `qemu-img -f`.
    public String id() {
        return id;
    }

    /// The format with this [#id()] (case-insensitive).
    ///
    /// @throws IllegalArgumentException naming the value and the known formats
    public static ImageFormat parse(String name) {
        for (ImageFormat f : values()) {
            if (f.id.equalsIgnoreCase(name.strip())) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown image format '" + name + "' (known: "
                + Arrays.stream(values()).map(ImageFormat::id).collect(Collectors.joining(", ")) + ")");
    }

    /// The format a file name says: `.qcow2` is QCOW2; `.raw`, `.img` and no extension at all (as
    /// in `vm-100-disk-0`) are RAW; any other extension is unknown (empty).
    public static Optional<ImageFormat> fromFileName(String fileName) {
        int slash = fileName.lastIndexOf('/');
        String name = fileName.substring(slash + 1);
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
            return Optional.of(RAW);
        }
        return switch (name.substring(dot + 1).toLowerCase(Locale.ROOT)) {
            case "qcow2" -> Optional.of(QCOW2);
            case "raw", "img" -> Optional.of(RAW);
            default -> Optional.empty();
        };
    }

    /// The format of the file at `path` by its content: QCOW2 when it starts with the qcow2 magic,
    /// RAW otherwise (including files shorter than the magic).
    ///
    /// @throws IOException naming the path when it is missing, a directory or unreadable
    public static ImageFormat detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException("cannot detect the image format of " + path + ": it is a directory");
        }
        ByteBuffer head = ByteBuffer.allocate(QCOW2_MAGIC.length);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            int n = 0;
            while (head.hasRemaining() && n >= 0) {
                n = ch.read(head);
            }
        } catch (NoSuchFileException e) {
            throw new IOException("cannot detect the image format of " + path + ": the file does not exist", e);
        } catch (IOException e) {
            throw new IOException("cannot detect the image format of " + path + ": " + e.getMessage(), e);
        }
        return Arrays.equals(head.array(), QCOW2_MAGIC) ? QCOW2 : RAW;
    }
}
