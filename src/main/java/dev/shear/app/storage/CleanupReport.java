package dev.shear.app.storage;

import java.util.List;

/// What a cleanup did.
///
/// @param removed  the items removed
/// @param freed    bytes freed
/// @param problems items left or failed, one line each
public record CleanupReport(List<CleanupPlan.Item> removed, long freed, List<String> problems) {
    public CleanupReport {
        removed = List.copyOf(removed);
        problems = List.copyOf(problems);
    }
}
