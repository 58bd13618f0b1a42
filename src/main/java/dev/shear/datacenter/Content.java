package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/// What a storage may hold (Proxmox VE's `content`).
public enum Content {
    /// Guest disk images and fleecing images.
    IMAGES("images"),
    /// Backup archives.
    BACKUP("backup");

    private final String id;

    Content(String id) {
        this.id = id;
    }

    /// The word in storage definitions and options.
    @JsonValue
    public String id() {
        return id;
    }

    /// The content type named `id`.
    ///
    /// @throws IllegalArgumentException naming the value and the known ones
    @JsonCreator
    public static Content parse(String id) {
        return Words.parse(values(), Content::id, id, "content type");
    }
}
