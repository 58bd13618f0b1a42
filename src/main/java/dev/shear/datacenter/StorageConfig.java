package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shear.block.ImageFormat;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/// The definition of a storage of type `dir` (a directory), as stored in `storage/<id>.json`.
///
/// Disk and fleecing images live in `<path>/images/<vmid>/<volume name>`, backups in
/// `<path>/dump/` (Proxmox VE's layout).
///
/// @param id            `[a-z][a-z0-9_-]*`, at most 64 characters; the part before `:` in volume ids
/// @param path          the directory: absolute and normalized (no `.` or `..`), not `/`
/// @param content       what it may hold; not empty
/// @param formats       the image formats allowed for new volumes; not empty
/// @param defaultFormat the format used when none is asked for; one of `formats`
/// @param thin          null to detect whether the file system allocates lazily (sparse files);
///                      true/false to override the detection
/// @param discard       null to detect whether freed ranges give space back (hole punching);
///                      true/false to override the detection
public record StorageConfig(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) Path path,
        @JsonProperty(required = true) Set<Content> content,
        @JsonProperty(required = true) Set<ImageFormat> formats,
        @JsonProperty(required = true) ImageFormat defaultFormat,
        Boolean thin,
        Boolean discard) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    public StorageConfig {
        checkId(id);
        if (path == null) {
            throw new IllegalArgumentException("storage '" + id + "' needs a path");
        }
        if (!path.isAbsolute() || !path.normalize().equals(path) || path.getNameCount() == 0) {
            throw new IllegalArgumentException("storage '" + id + "': path '" + path
                    + "' must be an absolute, normalized directory other than /");
        }
        content = copy(content, Content.class, "content", id);
        formats = copy(formats, ImageFormat.class, "formats", id);
        if (defaultFormat == null || !formats.contains(defaultFormat)) {
            throw new IllegalArgumentException("storage '" + id + "': default format "
                    + (defaultFormat == null ? "is missing" : defaultFormat.id() + " is not one of its formats "
                    + formats.stream().map(ImageFormat::id).toList()));
        }
    }

    /// A `dir` storage at `path` allowing raw and qcow2 (raw by default), with detected capabilities.
    public static StorageConfig dir(String id, Path path, Set<Content> content) {
        return new StorageConfig(id, path, content, EnumSet.allOf(ImageFormat.class), ImageFormat.RAW, null, null);
    }

    /// Throws unless `id` is a valid storage id.
    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid storage id '" + id
                    + "': use a lower-case letter, then letters, digits, '-' or '_' (at most 64)");
        }
    }

    /// The same storage with capability overrides (null: detect).
    public StorageConfig withOverrides(Boolean thin, Boolean discard) {
        return new StorageConfig(id, path, content, formats, defaultFormat, thin, discard);
    }

    /// The same storage with other formats.
    public StorageConfig withFormats(Set<ImageFormat> formats, ImageFormat defaultFormat) {
        return new StorageConfig(id, path, content, formats, defaultFormat, thin, discard);
    }

    /// `preferred` when this storage allows it, else its default format (Proxmox VE's
    /// `resolve_format_hint`, used to pick a fleecing image's format).
    public ImageFormat formatFor(ImageFormat preferred) {
        return formats.contains(preferred) ? preferred : defaultFormat;
    }

    /// An unmodifiable enum set (stable order in files), refusing null, empty and null elements.
    private static <E extends Enum<E>> Set<E> copy(Collection<E> values, Class<E> type, String field, String id) {
        if (values == null || values.isEmpty() || values.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("storage '" + id + "': " + field + " must list at least one value");
        }
        EnumSet<E> set = EnumSet.noneOf(type);
        set.addAll(values);
        return Collections.unmodifiableSet(set);
    }
}
