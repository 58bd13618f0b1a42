package dev.shear.block.qcow2;

import java.io.IOException;

/// Closes several resources, keeping every failure.
final class Closer {
    private Closer() {
    }

    /// Closes every non-null resource after `failure` happened; close failures are attached to it.
    static void closeAfter(Throwable failure, AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    /// Closes every non-null resource; returns `failure`, or the first close failure when `failure`
    /// is null, with later failures attached as suppressed.
    static IOException closeAll(IOException failure, AutoCloseable... resources) {
        IOException first = failure;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException("closing " + r + ": " + e, e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
