package dev.shear.datacenter;

import java.util.List;

/// The result of listing configuration files: the readable ones, and a [ConfigException] for each
/// file that could not be read (so one broken file never hides the others).
///
/// @param items  the readable entries, sorted
/// @param broken one exception per unreadable file, naming the file and the problem
public record Listing<T>(List<T> items, List<ConfigException> broken) {
    public Listing {
        items = List.copyOf(items);
        broken = List.copyOf(broken);
    }
}
