package dev.shear.datacenter.archive;

import java.util.ArrayList;
import java.util.List;

/// Proxmox VE's retention options (`prune-backups`): how many backups to keep per rule. Each count
/// is zero (the rule is off) or positive; at least one rule must be on ([#requireAny()]).
///
/// @param last    the newest N backups
/// @param hourly  the newest backup of each of the newest N hours that have one
/// @param daily   … of each of N days
/// @param weekly  … of each of N ISO weeks (Monday to Sunday)
/// @param monthly … of each of N months
/// @param yearly  … of each of N years
public record KeepOptions(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    public KeepOptions {
        check("keep-last", last);
        check("keep-hourly", hourly);
        check("keep-daily", daily);
        check("keep-weekly", weekly);
        check("keep-monthly", monthly);
        check("keep-yearly", yearly);
    }

    private static void check(String name, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("--" + name + " must be 0 or more, not " + n);
        }
    }

    /// Only `keep-last N`.
    public static KeepOptions last(int n) {
        return new KeepOptions(n, 0, 0, 0, 0, 0);
    }

    /// Throws [IllegalArgumentException] unless some rule is on: pruning with none would keep
    /// everything (Proxmox VE's `keep-all`), which is never what a prune command means.
    public KeepOptions requireAny() {
        if (last + hourly + daily + weekly + monthly + yearly == 0) {
            throw new IllegalArgumentException("prune needs at least one of --keep-last, --keep-hourly, --keep-daily,"
                    + " --keep-weekly, --keep-monthly or --keep-yearly with a count above 0");
        }
        return this;
    }

    /// Parses Proxmox VE's `prune-backups` property string (`keep-last=3,keep-daily=7`), the form
    /// [#toString()] writes; rules left out are off.
    ///
    /// @throws IllegalArgumentException naming the item at fault
    public static KeepOptions parse(String text) {
        int[] counts = new int[Retention.Rule.values().length];
        for (String item : (text == null ? "" : text.strip()).split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            String[] kv = s.split("=", 2);
            Retention.Rule rule = java.util.Arrays.stream(Retention.Rule.values())
                    .filter(r -> r.option().equals(kv[0].strip())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("'" + s + "' is not a retention rule (use keep-last,"
                            + " keep-hourly, keep-daily, keep-weekly, keep-monthly or keep-yearly, e.g. keep-last=3)"));
            if (kv.length != 2 || !kv[1].strip().matches("[0-9]{1,6}")) {
                throw new IllegalArgumentException("'" + s + "': " + rule.option() + " needs a count, e.g. "
                        + rule.option() + "=3");
            }
            counts[rule.ordinal()] = Integer.parseInt(kv[1].strip());
        }
        return new KeepOptions(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
    }

    /// `keep-last=3,keep-daily=7`: the rules that are on, as Proxmox VE writes them.
    @Override
    public String toString() {
        List<String> on = new ArrayList<>();
        int[] counts = {last, hourly, daily, weekly, monthly, yearly};
        for (Retention.Rule r : Retention.Rule.values()) {
            if (counts[r.ordinal()] > 0) {
                on.add(r.option() + "=" + counts[r.ordinal()]);
            }
        }
        return on.isEmpty() ? "keep-all" : String.join(",", on);
    }

    int count(Retention.Rule rule) {
        return switch (rule) {
            case LAST -> last;
            case HOURLY -> hourly;
            case DAILY -> daily;
            case WEEKLY -> weekly;
            case MONTHLY -> monthly;
            case YEARLY -> yearly;
        };
    }
}
