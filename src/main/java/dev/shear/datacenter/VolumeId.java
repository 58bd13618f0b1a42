package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/// A volume's datacenter-wide id: `<storage>:<name>`, e.g. `local:vm-100-disk-0.qcow2`. Written as
/// that string in JSON files.
public record VolumeId(String storage, VolumeName name) {
    public VolumeId {
        StorageConfig.checkId(storage);
        if (name == null) {
            throw new IllegalArgumentException("a volume id needs a volume name");
        }
    }

    /// Parses `storage:name`, validating both parts.
    ///
    /// @throws IllegalArgumentException naming the text and what is wrong
    @JsonCreator
    public static VolumeId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("volume id is missing");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("invalid volume id '" + text + "': expected <storage>:<name>"
                    + " (e.g. local:vm-100-disk-0.qcow2)");
        }
        try {
            return new VolumeId(text.substring(0, colon), VolumeName.parse(text.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid volume id '" + text + "': " + e.getMessage(), e);
        }
    }

    /// `storage:name`.
    @JsonValue
    @Override
    public String toString() {
        return storage + ":" + name;
    }
}
