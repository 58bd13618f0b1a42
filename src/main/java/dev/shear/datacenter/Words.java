package dev.shear.datacenter;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/// Looks up enum constants by the word users write for them (`scsi`, `images`).
final class Words {
    private Words() {
    }

    /// The constant of `values` whose word is `text`.
    ///
    /// @throws IllegalArgumentException "unknown <what> '<text>' (known: …)"
    static <E extends Enum<E>> E parse(E[] values, Function<E, String> word, String text, String what) {
        for (E e : values) {
            if (word.apply(e).equals(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "' (known: "
                + Arrays.stream(values).map(word).collect(Collectors.joining(", ")) + ")");
    }
}
