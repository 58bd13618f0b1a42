package dev.shear.block;

import java.io.IOException;

/// The storage under a node is full (`ENOSPC`). Its own type, because the engine treats it
/// specially: a full fleecing storage breaks the snapshot, never the guest (on-cbw-error).
public class NoSpaceException extends IOException {
    public NoSpaceException(String message) {
        super(message);
    }
}
