package dev.shear.app.common;

import dev.shear.util.Sizes;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/// How the app writes numbers: sizes in binary units (`1.5 GiB`), rates in decimal MB/s (like the
/// CLI), durations as `1:05` or `2:03:04`, times as local `yyyy-MM-dd HH:mm:ss`.
public final class Formats {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private Formats() {
    }

    /// `1.5 GiB`; "–" for a negative (unknown) size.
    public static String bytes(long bytes) {
        return bytes < 0 ? "–" : Sizes.format(bytes);
    }

    /// `48.7 MB/s`.
    public static String rate(long bytesPerSecond) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
    }

    /// `0:42`, `12:05`, `1:02:03`; "--:--" when unknown.
    public static String duration(Duration d) {
        if (d == null || d.isNegative()) {
            return "--:--";
        }
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /// The time left at `rate` for `remaining` bytes, or null when it cannot be told.
    public static Duration eta(long remaining, long rate) {
        if (remaining <= 0) {
            return Duration.ZERO;
        }
        return rate <= 0 ? null : Duration.ofSeconds((remaining + rate - 1) / rate);
    }

    /// `2026-01-31 12:00:00` in local time; "" for null.
    public static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    /// `37 %`.
    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f %%", Math.floor(fraction * 100));
    }
}
