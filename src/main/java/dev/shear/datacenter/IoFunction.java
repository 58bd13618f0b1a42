package dev.shear.datacenter;

import java.io.IOException;

/// A change to a value (a guest configuration) that may fail with an [IOException]; thrown
/// exceptions abort the change.
@FunctionalInterface
public interface IoFunction<A, B> {
    B apply(A value) throws IOException;
}
