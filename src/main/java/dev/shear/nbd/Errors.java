package dev.shear.nbd;

import dev.shear.block.NoSpaceException;

/// Maps what a node throws to NBD error values.
final class Errors {
    private Errors() {
    }

    /// `NoSpaceException` → `ENOSPC`, `IllegalArgumentException` (a range or alignment the node
    /// refuses) → `EINVAL`, anything else → `EIO`.
    static int errnoOf(Throwable t) {
        if (t instanceof dev.shear.block.ReadOnlyException) {
            return NbdProtocol.EPERM;
        }
        if (t instanceof NoSpaceException) {
            return NbdProtocol.ENOSPC;
        }
        if (t instanceof IllegalArgumentException) {
            return NbdProtocol.EINVAL;
        }
        return NbdProtocol.EIO;
    }

    static String name(int errno) {
        return switch (errno) {
            case NbdProtocol.EPERM -> "EPERM";
            case NbdProtocol.EIO -> "EIO";
            case NbdProtocol.ENOMEM -> "ENOMEM";
            case NbdProtocol.EINVAL -> "EINVAL";
            case NbdProtocol.ENOSPC -> "ENOSPC";
            case NbdProtocol.EOVERFLOW -> "EOVERFLOW";
            case NbdProtocol.ENOTSUP -> "ENOTSUP";
            case NbdProtocol.ESHUTDOWN -> "ESHUTDOWN";
            default -> "errno " + errno;
        };
    }
}
