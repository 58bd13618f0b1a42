package dev.shear.datacenter;

import java.io.IOException;

/// A piece of work run under a datacenter lock; it may fail with an [IOException].
@FunctionalInterface
public interface IoCallable<T> {
    T call() throws IOException;
}
