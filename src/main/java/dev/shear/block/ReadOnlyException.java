package dev.shear.block;

import java.io.IOException;

/// A write-type request to a node that only reads (a snapshot view, a read-only image). NBD
/// answers it with `EPERM`.
public class ReadOnlyException extends IOException {
    public ReadOnlyException(String message) {
        super(message);
    }
}
