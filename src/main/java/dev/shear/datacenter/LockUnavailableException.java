package dev.shear.datacenter;

import java.io.IOException;

/// A datacenter lock could not be taken within the wait bound because another thread or process
/// holds it. The message names what is locked and, when known, who holds it, and ends with "try
/// again": nothing was changed.
public final class LockUnavailableException extends IOException {
    public LockUnavailableException(String message) {
        super(message);
    }
}
