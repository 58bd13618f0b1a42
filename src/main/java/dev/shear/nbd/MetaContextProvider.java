package dev.shear.nbd;

import java.io.IOException;
import java.util.List;

/// A metadata context that an export offers to `NBD_CMD_BLOCK_STATUS` besides `base:allocation`,
/// for example the engine's dirty bitmap as `shear:dirty-bitmap`. Clients select it by its
/// [name][#name()] with `NBD_OPT_SET_META_CONTEXT` (and find it with `NBD_OPT_LIST_META_CONTEXT`,
/// also through a `namespace:` wildcard query).
///
/// ## What an implementation guarantees
/// * [#name()] never changes and has the form `namespace:leaf`, the namespace non-empty, without
///   whitespace or colons, and not `base` (that namespace belongs to the protocol).
/// * [#extents] may be called from many connections at once.
/// * Its answer describes consecutive runs starting exactly at `offset`: at least one run, each
///   at least one byte long, at most `maxRuns` of them, whose lengths add up to at most
///   `length`. The server checks this and answers the client `EIO` if a provider breaks it.
/// * Flags mean what the context documents (for a dirty bitmap: bit 0 set = dirty). Adjacent
///   runs with equal flags are allowed; the server merges them.
public interface MetaContextProvider {

    /// The context's full name, e.g. `shear:dirty-bitmap`.
    String name();

    /// The runs of `[offset, offset+length)`, starting at `offset` (see the class comment).
    List<Extent> extents(long offset, long length, int maxRuns) throws IOException;

    /// A run of `length` bytes (≥ 1) whose metadata is `flags`.
    record Extent(long length, int flags) {
        public Extent {
            if (length <= 0) {
                throw new IllegalArgumentException("extent length must be positive: " + length);
            }
        }
    }

    /// Checks that `name` is a valid context name for an extra provider and returns it.
    static String checkName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("meta context name must not be null");
        }
        int colon = name.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("meta context name '" + name
                    + "' must have the form namespace:leaf");
        }
        String namespace = name.substring(0, colon);
        if (namespace.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("meta context namespace '" + namespace + "' contains whitespace");
        }
        if (namespace.equals("base")) {
            throw new IllegalArgumentException("meta context '" + name
                    + "' is in the base namespace, which only the protocol defines");
        }
        Strings.checkWireString("meta context name", name);
        return name;
    }
}
