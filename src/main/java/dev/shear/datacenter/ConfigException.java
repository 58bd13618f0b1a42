package dev.shear.datacenter;

import java.io.IOException;
import java.nio.file.Path;

/// A datacenter file that cannot be used: bad JSON, a missing or mistyped field, an invalid value,
/// an unknown field, or a schema version this Shear does not know. The message names the file and
/// the problem; [#path()] and [#problem()] give them separately (for a UI listing broken files).
///
/// A file that caused this exception is never overwritten by Shear: the user fixes or removes it.
public final class ConfigException extends IOException {
    private final transient Path path;
    private final String problem;

    public ConfigException(Path path, String problem) {
        super(path + ": " + problem);
        this.path = path;
        this.problem = problem;
    }

    public ConfigException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
        this.problem = problem;
    }

    /// The file at fault.
    public Path path() {
        return path;
    }

    /// What is wrong with it, without the path.
    public String problem() {
        return problem;
    }
}
