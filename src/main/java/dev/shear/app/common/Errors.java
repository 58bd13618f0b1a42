package dev.shear.app.common;

import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/// Turns what the engine throws into a sentence a user can read: the engine's own message (it
/// names the thing and the problem), without exception class names or stack traces.
public final class Errors {
    private Errors() {
    }

    /// The readable message of `e`.
    public static String describe(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof NoSuchFileException f) {
            return f.getReason() != null ? f.getReason() + " (" + f.getFile() + ")" : "file not found: " + f.getFile();
        }
        if (t instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (t instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        if (t instanceof InterruptedException) {
            return "interrupted";
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return "unexpected error (" + t.getClass().getSimpleName() + ")";
        }
        return m.strip();
    }

    /// The cause that carries the message: wrappers of other exceptions are skipped.
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof UncheckedIOException || t instanceof InvocationTargetException
                || (t instanceof RuntimeException && t.getMessage() != null && t.getMessage().equals(t.getCause().toString())))) {
            t = t.getCause();
        }
        return t;
    }
}
