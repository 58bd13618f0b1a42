package dev.shear.datacenter.archive;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/// Proxmox VE's retention marking (`PVE::Storage::prune_mark_backup_group`), on backup times in
/// local time:
///
/// The backups are walked newest first, once per rule, in the order last, hourly, daily, weekly,
/// monthly, yearly. Each rule puts a backup in a time bucket (its hour, day, ISO week …). Buckets
/// that hold a backup an earlier rule kept are used up: the rule skips their backups and does not
/// count them. Otherwise the first (newest) backup of a bucket not seen yet is kept, until the
/// rule has kept its count; a later backup of a bucket it already kept from is marked for
/// removal right away — later rules never reconsider it, exactly as in Proxmox VE. What no rule
/// marked is removed.
final class Retention {
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd HH':00'");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");

    private Retention() {
    }

    /// The rules, in the order they are applied.
    enum Rule {
        LAST("keep-last"), HOURLY("keep-hourly"), DAILY("keep-daily"), WEEKLY("keep-weekly"),
        MONTHLY("keep-monthly"), YEARLY("keep-yearly");

        private final String option;

        Rule(String option) {
            this.option = option;
        }

        String option() {
            return option;
        }

        /// The bucket `name` (taken at `t`) falls in; for keep-last every backup is its own.
        String bucket(ArchiveName name) {
            LocalDateTime t = name.time();
            return switch (this) {
                case LAST -> name.toString();
                case HOURLY -> HOUR.format(t);
                case DAILY -> DAY.format(t);
                case WEEKLY -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W"
                        + String.format(java.util.Locale.ROOT, "%02d", t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
                case MONTHLY -> MONTH.format(t);
                case YEARLY -> Integer.toString(t.getYear());
            };
        }
    }

    /// A backup's mark and why.
    record Mark(boolean keep, String reason) {
    }

    /// Marks every name of one guest's backups (any order); returns the marks newest first.
    static Map<ArchiveName, Mark> mark(List<ArchiveName> names, KeepOptions keep) {
        List<ArchiveName> newestFirst = new ArrayList<>(names);
        newestFirst.sort(Comparator.reverseOrder());
        Map<ArchiveName, Mark> marks = new LinkedHashMap<>();
        for (Rule rule : Rule.values()) {
            apply(rule, keep.count(rule), newestFirst, marks);
        }
        Map<ArchiveName, Mark> out = new LinkedHashMap<>();
        for (ArchiveName n : newestFirst) {
            out.put(n, marks.getOrDefault(n, new Mark(false, "not kept by " + keep)));
        }
        return out;
    }

    private static void apply(Rule rule, int count, List<ArchiveName> newestFirst, Map<ArchiveName, Mark> marks) {
        if (count == 0) {
            return;
        }
        Set<String> usedUp = new HashSet<>();
        for (ArchiveName n : newestFirst) {
            Mark m = marks.get(n);
            if (m != null && m.keep()) {
                usedUp.add(rule.bucket(n));
            }
        }
        Set<String> kept = new HashSet<>();
        for (ArchiveName n : newestFirst) {
            String bucket = rule.bucket(n);
            if (marks.containsKey(n) || usedUp.contains(bucket)) {
                continue;
            }
            if (kept.contains(bucket)) {
                marks.put(n, new Mark(false, rule.option() + " keeps a newer backup of " + bucket));
            } else {
                if (kept.size() >= count) {
                    return;
                }
                kept.add(bucket);
                marks.put(n, new Mark(true, rule == Rule.LAST ? rule.option() : rule.option() + " " + bucket));
            }
        }
    }
}
