package dev.shear.datacenter.archive;

import dev.shear.datacenter.VolumeName;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/// The name of a backup archive directory, vzdump style: `vzdump-qemu-<vmid>-<yyyy_MM_dd-HH_mm_ss>`
/// with an optional `-<n>` when two backups of a guest start within one second. A plain file
/// name: it can never leave its storage.
///
/// @param vmid the guest
/// @param time when the backup started (local time, to the second)
/// @param seq  0, or the suffix that made the name unique
public record ArchiveName(int vmid, LocalDateTime time, int seq) implements Comparable<ArchiveName> {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy_MM_dd-HH_mm_ss");
    private static final Pattern PATTERN = Pattern.compile(
            "vzdump-qemu-([1-9][0-9]{2,8})-([0-9]{4}_[0-9]{2}_[0-9]{2}-[0-9]{2}_[0-9]{2}_[0-9]{2})(?:-([1-9][0-9]{0,3}))?");

    public ArchiveName {
        VolumeName.checkVmid(vmid);
        time = time.withNano(0);
        if (seq < 0 || seq > 9999) {
            throw new IllegalArgumentException("archive sequence number out of range: " + seq);
        }
    }

    /// Parses an archive name; throws [IllegalArgumentException] saying what is wrong.
    public static ArchiveName parse(String name) {
        Matcher m = PATTERN.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a backup archive name (expected "
                    + "vzdump-qemu-<vmid>-<yyyy_MM_dd-HH_mm_ss>)");
        }
        LocalDateTime t;
        try {
            t = LocalDateTime.parse(m.group(2), FORMAT);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("'" + name + "' has an invalid date: " + e.getMessage());
        }
        return new ArchiveName(Integer.parseInt(m.group(1)), t, m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /// The name, or null when `name` is not an archive name (for scanning directories).
    public static ArchiveName parseOrNull(String name) {
        try {
            return parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "vzdump-qemu-" + vmid + "-" + FORMAT.format(time) + (seq == 0 ? "" : "-" + seq);
    }

    /// Oldest first.
    @Override
    public int compareTo(ArchiveName o) {
        int c = time.compareTo(o.time);
        return c != 0 ? c : Integer.compare(seq, o.seq);
    }
}
