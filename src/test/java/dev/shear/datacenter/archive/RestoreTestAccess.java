package dev.shear.datacenter.archive;

import java.nio.file.Path;

/// Lets tests in other packages find a data cluster of an archive image to damage.
public final class RestoreTestAccess {
    private RestoreTestAccess() {
    }

    /// See [RestoreTest#firstDataOffset].
    public static long firstDataOffset(Path image) throws Exception {
        return RestoreTest.firstDataOffset(image);
    }
}
