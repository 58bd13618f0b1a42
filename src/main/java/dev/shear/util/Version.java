package dev.shear.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/// The product version, from the build.
public final class Version {
    private Version() {
    }

    /// The version string Maven stamped into the build, e.g. `0.1.0-SNAPSHOT`.
    public static String get() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/shear/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
