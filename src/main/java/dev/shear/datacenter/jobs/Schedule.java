package dev.shear.datacenter.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;

/// When a backup job runs: a subset of Proxmox VE's calendar events (systemd-like), to the minute.
///
/// ```
/// schedule = keyword | [weekdays] [date] [time]          (at least one part, in this order)
/// keyword  = minutely | hourly | daily | weekly | monthly | quarterly | semiannually | yearly | annually
/// weekdays = day[..day][,day[..day]]…                   mon tue wed thu fri sat sun (or full names)
/// date     = [*-]MONTHS-DAYS                            e.g. *-01 (every 1st), *-1..7, 01,07-01
/// time     = HOURS:MINUTES | MINUTES                    a lone field is minutes of every hour
/// field    = item[,item]…    item = * | N | N..M | N/S | */S | N..M/S   (S: every S, from N)
/// ```
///
/// Examples: `daily` (00:00), `21:00`, `mon..fri 02:30`, `sat 03:00`, `*/30` (every 30 minutes),
/// `8..17:*/15`, `12,14,16:05`, `sat *-1..7 15:00` (first Saturday of the month), `*-01 00:00`.
/// A missing time means 00:00; missing weekdays or date mean every day. When weekdays and a date
/// are both given, both must match (systemd's rule). Seconds (`HH:MM:SS`) are accepted only as
/// `:00`; years only as `*`.
///
/// [#next] answers, in a time zone, the first whole minute strictly after a given instant whose
/// local wall-clock time matches. Across daylight-saving changes that means: a local time that
/// does not exist that day (spring forward) is skipped, one that happens twice (fall back) matches
/// twice. A schedule that can never match (e.g. `*-02-30`) is refused when parsed.
///
/// Immutable; equal when written the same (trimmed, spaces collapsed).
public final class Schedule {
    /// Four centuries: every weekday/date combination repeats within them.
    static final int SEARCH_DAYS = 146_097;

    private final String text;
    private final long minutes;
    private final int hours;
    private final int days;
    private final int months;
    private final int weekdays;

    Schedule(String text, long minutes, int hours, int days, int months, int weekdays) {
        this.text = text;
        this.minutes = minutes;
        this.hours = hours;
        this.days = days;
        this.months = months;
        this.weekdays = weekdays;
    }

    /// Parses a schedule.
    ///
    /// @throws IllegalArgumentException naming the part that is wrong and why, e.g.
    ///         "'25:00' is not a time (HH:MM)"
    @JsonCreator
    public static Schedule parse(String text) {
        return ScheduleParser.parse(text);
    }

    /// The first whole minute strictly after `after` whose wall-clock time in `zone` matches.
    ///
    /// @throws IllegalStateException when no matching local time exists in `zone` within four
    ///         centuries (only possible when every match falls into daylight-saving gaps)
    public Instant next(Instant after, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        LocalDate first = LocalDate.ofInstant(after, zone);
        for (int i = 0; i <= SEARCH_DAYS; i++) {
            LocalDate day = first.plusDays(i);
            Instant found = earliestOn(day, after, rules);
            if (found != null) {
                // a fall-back across midnight can put a later date's minute before this one
                Instant following = earliestOn(day.plusDays(1), after, rules);
                return following != null && following.isBefore(found) ? following : found;
            }
        }
        throw new IllegalStateException("schedule '" + text + "' never happens in time zone " + zone);
    }

    /// The next `count` times after `after` (each strictly after the one before).
    public List<Instant> next(Instant after, ZoneId zone, int count) {
        List<Instant> out = new ArrayList<>(count);
        Instant t = after;
        for (int i = 0; i < count; i++) {
            t = next(t, zone);
            out.add(t);
        }
        return out;
    }

    /// The earliest instant after `after` of a matching minute on local date `day`, or null.
    private Instant earliestOn(LocalDate day, Instant after, ZoneRules rules) {
        if (!dayMatches(day)) {
            return null;
        }
        Instant best = null;
        for (int h = 0; h < 24; h++) {
            if ((hours & (1 << h)) == 0) {
                continue;
            }
            for (int m = 0; m < 60; m++) {
                if ((minutes & (1L << m)) == 0) {
                    continue;
                }
                LocalDateTime local = day.atTime(h, m);
                // none in a gap (spring forward), two in an overlap (fall back)
                for (ZoneOffset offset : rules.getValidOffsets(local)) {
                    Instant t = local.toInstant(offset);
                    if (t.isAfter(after) && (best == null || t.isBefore(best))) {
                        best = t;
                    }
                }
            }
        }
        return best;
    }

    /// True when the local date-time's minute is one of this schedule's (seconds are ignored).
    public boolean matches(LocalDateTime t) {
        return dayMatches(t.toLocalDate()) && (hours & (1 << t.getHour())) != 0
                && (minutes & (1L << t.getMinute())) != 0;
    }

    boolean dayMatches(LocalDate d) {
        return (weekdays & (1 << d.getDayOfWeek().getValue())) != 0 && (months & (1 << d.getMonthValue())) != 0
                && (days & (1 << d.getDayOfMonth())) != 0;
    }

    /// True when some date in a 400-year cycle matches the weekday and date parts.
    boolean happensSomeDay() {
        LocalDate d = LocalDate.of(2000, 1, 1);
        for (int i = 0; i < SEARCH_DAYS; i++, d = d.plusDays(1)) {
            if (dayMatches(d)) {
                return true;
            }
        }
        return false;
    }

    /// The weekdays this schedule runs on (all seven when it has no weekday part).
    public List<DayOfWeek> weekdays() {
        List<DayOfWeek> out = new ArrayList<>();
        for (DayOfWeek d : DayOfWeek.values()) {
            if ((weekdays & (1 << d.getValue())) != 0) {
                out.add(d);
            }
        }
        return out;
    }

    /// The schedule as written (trimmed, spaces collapsed).
    @JsonValue
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && s.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
