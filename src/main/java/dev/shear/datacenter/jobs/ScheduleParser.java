package dev.shear.datacenter.jobs;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/// Reads the text of a [Schedule] (see there for the grammar); every error names the part at fault.
final class ScheduleParser {
    private static final String EXAMPLES = "e.g. daily, 21:00, mon..fri 02:30 or */30";
    private static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final List<String> FULL_NAMES = List.of("monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday");
    private static final int ALL_WEEKDAYS = 0b1111_1110;
    private static final int ALL_DAYS = (int) bits(1, 31);
    private static final int ALL_MONTHS = (int) bits(1, 12);

    /// A keyword's meaning: months, days of month, weekdays, hour and minute (at 00:00 unless said).
    private record Keyword(int months, int days, int weekdays, int hours, long minutes) {
    }

    private static final Map<String, Keyword> KEYWORDS = Map.of(
            "minutely", new Keyword(ALL_MONTHS, ALL_DAYS, ALL_WEEKDAYS, (int) bits(0, 23), bits(0, 59)),
            "hourly", new Keyword(ALL_MONTHS, ALL_DAYS, ALL_WEEKDAYS, (int) bits(0, 23), 1),
            "daily", new Keyword(ALL_MONTHS, ALL_DAYS, ALL_WEEKDAYS, 1, 1),
            "weekly", new Keyword(ALL_MONTHS, ALL_DAYS, 1 << 1, 1, 1),
            "monthly", new Keyword(ALL_MONTHS, 1 << 1, ALL_WEEKDAYS, 1, 1),
            "quarterly", new Keyword((1 << 1) | (1 << 4) | (1 << 7) | (1 << 10), 1 << 1, ALL_WEEKDAYS, 1, 1),
            "semiannually", new Keyword((1 << 1) | (1 << 7), 1 << 1, ALL_WEEKDAYS, 1, 1),
            "semi-annually", new Keyword((1 << 1) | (1 << 7), 1 << 1, ALL_WEEKDAYS, 1, 1),
            "yearly", new Keyword(1 << 1, 1 << 1, ALL_WEEKDAYS, 1, 1),
            "annually", new Keyword(1 << 1, 1 << 1, ALL_WEEKDAYS, 1, 1));

    /// What went wrong inside one field ("hour 25 is past 23"); the caller names the part.
    private static final class BadField extends Exception {
        BadField(String detail) {
            super(detail, null, false, false);
        }
    }

    private ScheduleParser() {
    }

    static Schedule parse(String input) {
        if (input == null || input.isBlank()) {
            throw new IllegalArgumentException("a schedule is needed, " + EXAMPLES);
        }
        String text = input.strip().replaceAll("\\s+", " ");
        String[] parts = text.split(" ");
        String[] lower = text.toLowerCase(Locale.ROOT).split(" ");
        Keyword k = KEYWORDS.get(lower[0]);
        if (k != null) {
            if (parts.length > 1) {
                throw new IllegalArgumentException("'" + parts[0] + "' stands alone; it cannot be combined with '"
                        + parts[1] + "' (write the parts out instead, " + EXAMPLES + ")");
            }
            return check(new Schedule(text, k.minutes(), k.hours(), k.days(), k.months(), k.weekdays()));
        }
        int i = 0;
        int weekdays = ALL_WEEKDAYS;
        int months = ALL_MONTHS;
        int days = ALL_DAYS;
        int hours = 1;
        long minutes = 1;
        if (Character.isLetter(lower[i].charAt(0))) {
            weekdays = weekdays(parts[i], lower[i]);
            i++;
        }
        if (i < parts.length && parts[i].contains("-")) {
            int[] md = date(parts[i]);
            months = md[0];
            days = md[1];
            i++;
        }
        if (i < parts.length && !Character.isLetter(lower[i].charAt(0)) && !parts[i].contains("-")) {
            long[] hm = time(parts[i]);
            hours = (int) hm[0];
            minutes = hm[1];
            i++;
        }
        if (i < parts.length) {
            throw leftover(parts, i);
        }
        return check(new Schedule(text, minutes, hours, days, months, weekdays));
    }

    private static Schedule check(Schedule s) {
        if (!s.happensSomeDay()) {
            throw new IllegalArgumentException("schedule '" + s + "' never happens: no date has those weekdays and days");
        }
        return s;
    }

    /// Why the part at `i` cannot come where it is.
    private static IllegalArgumentException leftover(String[] parts, int i) {
        String p = parts[i];
        String lower = p.toLowerCase(Locale.ROOT);
        if (KEYWORDS.containsKey(lower)) {
            return new IllegalArgumentException("'" + p + "' stands alone; it cannot be combined with other parts");
        }
        if (Character.isLetter(p.charAt(0))) {
            return new IllegalArgumentException(i == 0 || !isWeekdays(lower) ? notAWord(p)
                    : "weekdays '" + p + "' must come first (e.g. mon..fri 02:30)");
        }
        if (p.contains("-")) {
            return new IllegalArgumentException("date '" + p + "' must come before the time (e.g. *-01 03:00)");
        }
        return new IllegalArgumentException("'" + p + "' is one part too many: a schedule has at most weekdays, a date"
                + " and a time, in that order (" + EXAMPLES + ")");
    }

    private static String notAWord(String p) {
        return "'" + p + "' is not a weekday (mon, tue, wed, thu, fri, sat, sun) or a keyword (minutely, hourly, daily,"
                + " weekly, monthly, quarterly, semiannually, yearly)";
    }

    private static boolean isWeekdays(String lower) {
        try {
            weekdays(lower, lower);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /// `mon..fri,sun` as bits 1 (Monday) … 7 (Sunday).
    private static int weekdays(String part, String lower) {
        int out = 0;
        for (String item : lower.split(",", -1)) {
            int dots = item.indexOf("..");
            if (dots < 0) {
                out |= 1 << day(item, part);
                continue;
            }
            int from = day(item.substring(0, dots), part);
            int to = day(item.substring(dots + 2), part);
            if (to < from) {
                throw new IllegalArgumentException("weekday range '" + item + "' goes backwards (weeks start on"
                        + " Monday); write it as " + item.substring(0, dots) + "..sun,mon.." + item.substring(dots + 2));
            }
            out |= (int) bits(from, to);
        }
        return out;
    }

    private static int day(String name, String part) {
        int i = DAY_NAMES.indexOf(name);
        if (i < 0) {
            i = FULL_NAMES.indexOf(name);
        }
        if (i < 0) {
            throw new IllegalArgumentException(name.isEmpty() ? "weekdays '" + part + "' have an empty item"
                    : notAWord(name));
        }
        return i + 1;
    }

    /// `[*-]MONTHS-DAYS` as {month bits, day bits}.
    private static int[] date(String part) {
        String[] f = part.split("-", -1);
        if (f.length == 3 && !f[0].equals("*")) {
            throw new IllegalArgumentException("'" + part + "': years are not supported; use *-" + f[1] + "-" + f[2]
                    + " (every year) or leave the year out");
        }
        if (f.length < 2 || f.length > 3) {
            throw new IllegalArgumentException("'" + part + "' is not a date (MONTH-DAY, e.g. *-01 or 01,07-01)");
        }
        try {
            int months = (int) field(f[f.length - 2], 1, 12, "month");
            int days = (int) field(f[f.length - 1], 1, 31, "day");
            return new int[] {months, days};
        } catch (BadField e) {
            throw new IllegalArgumentException("'" + part + "' is not a date (MONTH-DAY): " + e.getMessage());
        }
    }

    /// `HOURS:MINUTES[:00]` or `MINUTES` as {hour bits, minute bits}.
    private static long[] time(String part) {
        String[] f = part.split(":", -1);
        if (f.length == 3) {
            if (!f[2].equals("00") && !f[2].equals("0")) {
                throw new IllegalArgumentException("'" + part + "': Shear schedules to the minute; seconds must be 00"
                        + " (write " + f[0] + ":" + f[1] + ")");
            }
        } else if (f.length > 3) {
            throw new IllegalArgumentException("'" + part + "' is not a time (HH:MM)");
        }
        try {
            if (f.length == 1) {
                return new long[] {bits(0, 23), field(f[0], 0, 59, "minute")};
            }
            return new long[] {field(f[0], 0, 23, "hour"), field(f[1], 0, 59, "minute")};
        } catch (BadField e) {
            String what = f.length == 1 ? "minutes of every hour, or HH:MM" : "HH:MM";
            throw new IllegalArgumentException("'" + part + "' is not a time (" + what + "): " + e.getMessage());
        }
    }

    /// One field: `item[,item]…` where an item is `*`, `N`, `N..M`, `N/S`, `*/S` or `N..M/S`.
    private static long field(String spec, int min, int max, String what) throws BadField {
        long out = 0;
        for (String item : spec.split(",", -1)) {
            if (item.isEmpty()) {
                throw new BadField("an empty " + what + " in '" + spec + "'");
            }
            int slash = item.indexOf('/');
            String range = slash < 0 ? item : item.substring(0, slash);
            int step = slash < 0 ? 1 : number(item.substring(slash + 1), what + " step");
            if (step < 1) {
                throw new BadField("a step must be 1 or more, not /" + step);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("..")) {
                from = value(range.substring(0, range.indexOf("..")), min, max, what);
                to = value(range.substring(range.indexOf("..") + 2), min, max, what);
                if (to < from) {
                    throw new BadField(what + " range " + range + " goes backwards");
                }
            } else {
                from = value(range, min, max, what);
                to = slash < 0 ? from : max;
            }
            for (int v = from; v <= to; v += step) {
                out |= 1L << v;
            }
        }
        return out;
    }

    private static int value(String text, int min, int max, String what) throws BadField {
        int v = number(text, what);
        if (v < min || v > max) {
            throw new BadField(what + " " + v + " is not in " + min + ".." + max);
        }
        return v;
    }

    private static int number(String text, String what) throws BadField {
        if (text.isEmpty() || text.length() > 4 || !text.chars().allMatch(Character::isDigit)) {
            throw new BadField("'" + text + "' is not a " + what + " number");
        }
        return Integer.parseInt(text);
    }

    /// Bits `from` … `to` set.
    private static long bits(int from, int to) {
        long out = 0;
        for (int i = from; i <= to; i++) {
            out |= 1L << i;
        }
        return out;
    }
}
