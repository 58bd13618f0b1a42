package dev.shear.datacenter.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shear.datacenter.VolumeName;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/// Which guests a backup job backs up: every guest of the datacenter at the time of the run, or
/// a fixed list of guest ids (sorted, without repeats; a job backs them up in that order).
///
/// @param all   every guest (then `vmids` is empty)
/// @param vmids the guests (when not `all`): at least one
public record GuestSelection(@JsonProperty(required = true) boolean all,
                             @JsonProperty(required = true) List<Integer> vmids) {
    public GuestSelection {
        if (vmids == null || vmids.stream().anyMatch(java.util.Objects::isNull)) {
            throw new IllegalArgumentException("the guests of a job are a list of guest ids");
        }
        if (all && !vmids.isEmpty()) {
            throw new IllegalArgumentException("a job backs up all guests or the listed ones, not both");
        }
        if (!all && vmids.isEmpty()) {
            throw new IllegalArgumentException("a job needs guests: list their ids (e.g. 100,101) or choose all");
        }
        vmids.forEach(VolumeName::checkVmid);
        vmids = List.copyOf(new TreeSet<>(vmids));
    }

    /// Every guest.
    public static GuestSelection everyGuest() {
        return new GuestSelection(true, List.of());
    }

    /// The guests `vmids`.
    public static GuestSelection of(List<Integer> vmids) {
        return new GuestSelection(false, vmids);
    }

    /// Parses `all` or `100,101,102` (the CLI's and the editor's words).
    ///
    /// @throws IllegalArgumentException naming the item that is not a guest id
    public static GuestSelection parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equalsIgnoreCase("all")) {
            return everyGuest();
        }
        List<Integer> ids = new ArrayList<>();
        for (String item : t.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            try {
                ids.add(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not a guest id (use e.g. 100,101 or all)");
            }
        }
        return of(ids);
    }

    /// The guest ids listed in `text` (`100,101,…`), in order and without repeats, skipping items
    /// that are not ids: for an editor that shows what a half-typed list already names ([#parse]
    /// is the strict reading that reports such items).
    public static SortedSet<Integer> idsIn(String text) {
        SortedSet<Integer> ids = new TreeSet<>();
        for (String item : (text == null ? "" : text).split(",")) {
            try {
                ids.add(Integer.parseInt(item.strip()));
            } catch (NumberFormatException notAnId) {
                // parse() names it; here it is simply not a choice
            }
        }
        return ids;
    }

    /// `all` or `100,101`.
    @Override
    public String toString() {
        return all ? "all" : String.join(",", vmids.stream().map(String::valueOf).toList());
    }
}
