package dev.shear.bitmap;

import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/// The on-disk form of a persistent dirty bitmap: written atomically, read back only when intact.
///
/// Layout (little-endian): magic `SHEARBM1` (8 bytes), format version u32 (= 1), granularity u32,
/// covered length u64, word count u64, the words (u64 each), then a CRC-32C of everything before
/// it (u32). A file that is short, has another magic, version, geometry or checksum is refused
/// with a [CorruptBitmapException] naming the file and the problem.
public final class BitmapFile {
    private static final byte[] MAGIC = "SHEARBM1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int HEADER = 8 + 4 + 4 + 8 + 8;

    private BitmapFile() {
    }

    /// Thrown when a bitmap file cannot be used; the bitmap must then be treated as missing
    /// (an incremental backup falls back to a full one).
    public static final class CorruptBitmapException extends IOException {
        public CorruptBitmapException(String message) {
            super(message);
        }
    }

    /// Atomically writes `snapshot` to `file`.
    public static void write(Path file, BitmapSnapshot snapshot) throws IOException {
        long[] words = snapshot.words();
        ByteBuffer buf = ByteBuffer.allocate(HEADER + words.length * 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putInt(snapshot.granularity()).putLong(snapshot.length())
                .putLong(words.length);
        for (long w : words) {
            buf.putLong(w);
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        AtomicFiles.write(file, buf.array());
    }

    /// Reads `file`, which must describe a bitmap of `length` bytes at `granularity`.
    public static ClusterBitmap read(Path file, long length, int granularity) throws IOException {
        long expectedWords = ((length + granularity - 1) / granularity + 63) / 64;
        long expectedSize = HEADER + expectedWords * 8 + 4;
        long actual;
        try {
            actual = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "dirty bitmap file is missing");
        }
        if (actual < HEADER + 4) {
            throw new CorruptBitmapException("dirty bitmap " + file + " is truncated (" + actual + " bytes)");
        }
        if (actual > expectedSize + (1 << 20)) {
            throw new CorruptBitmapException("dirty bitmap " + file + " is " + actual
                    + " bytes, far more than a bitmap of this disk needs (" + expectedSize + ")");
        }
        byte[] data = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        buf.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptBitmapException("dirty bitmap " + file + " has a wrong magic (not a Shear bitmap file)");
        }
        CRC32C crc = new CRC32C();
        crc.update(data, 0, data.length - 4);
        int stored = ByteBuffer.wrap(data, data.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if ((int) crc.getValue() != stored) {
            throw new CorruptBitmapException("dirty bitmap " + file + " fails its checksum (the file is damaged)");
        }
        int version = buf.getInt();
        if (version != VERSION) {
            throw new CorruptBitmapException("dirty bitmap " + file + " has unsupported version " + version);
        }
        int gran = buf.getInt();
        long len = buf.getLong();
        long nwords = buf.getLong();
        if (gran != granularity || len != length) {
            throw new CorruptBitmapException("dirty bitmap " + file + " is for " + len + " bytes at " + gran
                    + " B granularity, but the disk is " + length + " bytes at " + granularity + " B");
        }
        if (nwords != expectedWords || actual != expectedSize) {
            throw new CorruptBitmapException("dirty bitmap " + file + " holds " + nwords + " words, expected "
                    + expectedWords);
        }
        long[] words = new long[(int) nwords];
        for (int i = 0; i < words.length; i++) {
            words[i] = buf.getLong();
        }
        ClusterBitmap bitmap = new ClusterBitmap(length, granularity);
        bitmap.load(new BitmapSnapshot(length, granularity, words));
        return bitmap;
    }
}
