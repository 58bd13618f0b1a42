package dev.shear.util;

import java.util.Locale;

/// Byte sizes as users write and read them: `512`, `64K`, `4M`, `1G`, `2T` (powers of 1024, an
/// optional `B`/`iB`, any case) in, `64 KiB`, `1.5 GiB` out.
public final class Sizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /// Parses a size; throws [IllegalArgumentException] with a message a user can act on.
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a size is required (e.g. 64K, 4M, 1G)");
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                case 'P' -> shift = 50;
                default -> shift = -1;
            }
            if (shift >= 0) {
                s = s.substring(0, s.length() - 1);
            } else {
                shift = 0;
            }
        }
        long value;
        try {
            value = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (use e.g. 512, 64K, 4M, 1G)");
        }
        if (value < 0) {
            throw new IllegalArgumentException("size '" + text + "' must not be negative");
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return value << shift;
    }

    /// A short human form: `0 B`, `512 B`, `64 KiB`, `1.5 GiB`.
    public static String format(long bytes) {
        if (bytes < 1024 && bytes > -1024) {
            return bytes + " B";
        }
        double v = bytes;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%d %s", (long) v, UNITS[u]);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f %s" : Math.abs(v) < 100 ? "%.1f %s" : "%.0f %s",
                v, UNITS[u]);
    }

    /// The compact form users type: `64K`, `4M`, `1G`, or plain bytes when not a whole unit.
    public static String compact(long bytes) {
        String[] suffix = {"", "K", "M", "G", "T", "P"};
        int u = 0;
        long v = bytes;
        while (v != 0 && v % 1024 == 0 && u < suffix.length - 1) {
            v /= 1024;
            u++;
        }
        return v + suffix[u];
    }

    /// True for 1, 2, 4, … (and false for 0 and negatives).
    public static boolean isPowerOfTwo(long v) {
        return v > 0 && (v & (v - 1)) == 0;
    }
}
