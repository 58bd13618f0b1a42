package dev.shear.datacenter;

import java.io.IOException;

/// The guest, storage, volume or task asked for does not exist; the message names it.
public final class NotFoundException extends IOException {
    public NotFoundException(String message) {
        super(message);
    }
}
