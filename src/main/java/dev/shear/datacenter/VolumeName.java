package dev.shear.datacenter;

import dev.shear.block.ImageFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/// A validated volume name on a `dir` storage: `vm-<vmid>-disk-<n>.<fmt>` or
/// `vm-<vmid>-fleece-<n>.<fmt>`, with `vmid` from 100 to 999999999 (as in Proxmox VE), `n ≥ 0`,
/// and `fmt` `raw` or `qcow2`.
///
/// A name is a plain file name and can never leave its storage: a name with `/`, `..`, a NUL or
/// a leading `/` is refused with a message saying so. Numbers are written without leading zeros
/// and the extension in lower case, so `parse(s).toString().equals(s)` for every accepted `s`: one
/// volume has exactly one name.
///
/// The format extension is **required**: a `dir` storage tells a volume's format by its name (as
/// Proxmox VE's dir storages do, which always add the extension); guessing from the content would
/// let a guest write a qcow2 header into a raw disk and have it opened as qcow2.
public record VolumeName(int vmid, VolumeKind kind, int index, ImageFormat format) {
    /// The smallest guest id (Proxmox VE reserves 0–99).
    public static final int MIN_VMID = 100;
    /// The largest guest id.
    public static final int MAX_VMID = 999_999_999;

    private static final String NUMBER = "(0|[1-9][0-9]{0,9})";
    private static final Pattern SHAPE = Pattern.compile("vm-" + NUMBER + "-(disk|fleece)-" + NUMBER + "(?:\\.([A-Za-z0-9]+))?");

    public VolumeName {
        checkVmid(vmid);
        if (kind == null || format == null) {
            throw new IllegalArgumentException("a volume name needs a kind and a format");
        }
        if (index < 0) {
            throw new IllegalArgumentException("volume index must not be negative, got " + index);
        }
    }

    /// The name of volume `index` of `kind` for guest `vmid`.
    public static VolumeName of(int vmid, VolumeKind kind, int index, ImageFormat format) {
        return new VolumeName(vmid, kind, index, format);
    }

    /// Parses and validates a volume name.
    ///
    /// @throws IllegalArgumentException saying what is wrong with it
    public static VolumeName parse(String name) {
        checkPlainName(name);
        Matcher m = SHAPE.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid volume name '" + name
                    + "': expected vm-<vmid>-disk-<n>.<format> or vm-<vmid>-fleece-<n>.<format> (e.g. vm-100-disk-0.qcow2)");
        }
        long vmid = Long.parseLong(m.group(1));
        long index = Long.parseLong(m.group(3));
        if (vmid < MIN_VMID || vmid > MAX_VMID) {
            throw new IllegalArgumentException("invalid volume name '" + name + "': guest id " + vmid
                    + " is outside " + MIN_VMID + "…" + MAX_VMID);
        }
        if (index > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid volume name '" + name + "': index " + index + " is too large");
        }
        String ext = m.group(4);
        if (ext == null) {
            throw new IllegalArgumentException("volume name '" + name + "' has no format extension: a dir storage"
                    + " tells the format by it (e.g. " + name + ".raw or " + name + ".qcow2)");
        }
        ImageFormat format = switch (ext) {
            case "raw" -> ImageFormat.RAW;
            case "qcow2" -> ImageFormat.QCOW2;
            default -> throw new IllegalArgumentException("volume name '" + name + "' has an unknown format extension '."
                    + ext + "' (known: .raw, .qcow2)");
        };
        VolumeKind kind = m.group(2).equals("disk") ? VolumeKind.DISK : VolumeKind.FLEECE;
        return new VolumeName((int) vmid, kind, (int) index, format);
    }

    /// The volume name `name`, or null when it is not one (for scanning directories).
    static VolumeName tryParse(String name) {
        try {
            return parse(name);
        } catch (IllegalArgumentException notAVolume) {
            return null;
        }
    }

    /// Throws unless `vmid` is a valid guest id.
    public static void checkVmid(long vmid) {
        if (vmid < MIN_VMID || vmid > MAX_VMID) {
            throw new IllegalArgumentException("guest id " + vmid + " is outside " + MIN_VMID + "…" + MAX_VMID);
        }
    }

    /// Refuses anything that is not a plain, non-empty file name, each with its own reason.
    private static void checkPlainName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("volume name is empty");
        }
        String shown = name.replace("\0", "\\0");
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("volume name '" + shown + "' contains a NUL character");
        }
        if (name.startsWith("/")) {
            throw new IllegalArgumentException("volume name '" + shown + "' is an absolute path; a volume name is a"
                    + " file name inside its storage");
        }
        if (name.contains("..")) {
            throw new IllegalArgumentException("volume name '" + shown + "' contains '..'; a volume cannot leave its storage");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("volume name '" + shown + "' contains a path separator; a volume name"
                    + " is a file name inside its storage");
        }
    }

    /// The file name: `vm-100-disk-0.qcow2`.
    @Override
    public String toString() {
        return "vm-" + vmid + "-" + kind.word() + "-" + index + "." + format.id();
    }
}
