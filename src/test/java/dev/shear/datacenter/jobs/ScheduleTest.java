package dev.shear.datacenter.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static Instant utc(String t) {
        return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
    }

    private static Instant next(String schedule, String afterUtc) {
        return Schedule.parse(schedule).next(utc(afterUtc), ZoneOffset.UTC);
    }

    @Test
    void keywordsRunAtTheirPveTimes() {
        assertThat(next("daily", "2025-01-01T10:00")).isEqualTo(utc("2025-01-02T00:00"));
        assertThat(next("hourly", "2025-01-01T10:00")).isEqualTo(utc("2025-01-01T11:00"));
        // 2025-01-01 is a Wednesday; weekly is Monday 00:00
        assertThat(next("weekly", "2025-01-01T10:00")).isEqualTo(utc("2025-01-06T00:00"));
        assertThat(next("monthly", "2025-01-01T10:00")).isEqualTo(utc("2025-02-01T00:00"));
    }

    @Test
    void weekdaysAndTimesCombine() {
        // Friday 2025-01-03 after 02:30 → Monday
        assertThat(next("mon..fri 02:30", "2025-01-03T02:30")).isEqualTo(utc("2025-01-06T02:30"));
        assertThat(next("mon..fri 02:30", "2025-01-03T02:29")).isEqualTo(utc("2025-01-03T02:30"));
        assertThat(next("sat 03:00", "2025-01-01T00:00")).isEqualTo(utc("2025-01-04T03:00"));
        assertThat(next("*/15", "2025-01-01T10:07")).isEqualTo(utc("2025-01-01T10:15"));
        assertThat(next("sat *-1..7 15:00", "2025-01-05T00:00")).isEqualTo(utc("2025-02-01T15:00"));
    }

    @Test
    void nextIsStrictlyAfterAndCountsForward() {
        assertThat(Schedule.parse("12,14:05").next(utc("2025-01-01T12:05"), ZoneOffset.UTC, 3))
                .containsExactly(utc("2025-01-01T14:05"), utc("2025-01-02T12:05"), utc("2025-01-02T14:05"));
    }

    @Test
    void aTimeThatDoesNotExistOnTheSpringForwardDayIsSkipped() {
        // Berlin 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day
        Instant after = LocalDateTime.parse("2025-03-29T12:00").atZone(BERLIN).toInstant();
        assertThat(Schedule.parse("02:30").next(after, BERLIN, 2)).containsExactly(
                LocalDateTime.parse("2025-03-31T02:30").atZone(BERLIN).toInstant(),
                LocalDateTime.parse("2025-04-01T02:30").atZone(BERLIN).toInstant());
        // a daily 03:00 keeps its wall-clock time across the change: 23 hours apart that night
        List<Instant> three = Schedule.parse("03:00").next(after, BERLIN, 2);
        assertThat(three.get(1).getEpochSecond() - three.get(0).getEpochSecond()).isEqualTo(24 * 3600);
        assertThat(three.get(0)).isEqualTo(utc("2025-03-30T01:00"));
    }

    @Test
    void aTimeThatHappensTwiceOnTheFallBackDayMatchesBothTimes() {
        // Berlin 2025-10-26: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30Z and 01:30Z
        Instant after = LocalDateTime.parse("2025-10-25T12:00").atZone(BERLIN).toInstant();
        assertThat(Schedule.parse("02:30").next(after, BERLIN, 3))
                .containsExactly(utc("2025-10-26T00:30"), utc("2025-10-26T01:30"), utc("2025-10-27T01:30"));
    }

    @Test
    void textIsKeptCanonicalAndEqualityFollowsIt() {
        assertThat(Schedule.parse("  mon..fri   02:30 ").toString()).isEqualTo("mon..fri 02:30");
        assertThat(Schedule.parse("mon..fri 02:30")).isEqualTo(Schedule.parse("mon..fri  02:30"));
    }

    @Test
    void badSchedulesAreExplained() {
        assertThatThrownBy(() -> Schedule.parse("25:00")).hasMessageContaining("'25:00' is not a time")
                .hasMessageContaining("hour 25 is not in 0..23");
        assertThatThrownBy(() -> Schedule.parse("")).hasMessageContaining("a schedule is needed");
        assertThatThrownBy(() -> Schedule.parse("someday")).hasMessageContaining("'someday' is not a weekday");
        assertThatThrownBy(() -> Schedule.parse("sat..mon")).hasMessageContaining("goes backwards");
        assertThatThrownBy(() -> Schedule.parse("daily 02:00")).hasMessageContaining("stands alone");
        assertThatThrownBy(() -> Schedule.parse("*-02-30")).hasMessageContaining("never happens");
        assertThatThrownBy(() -> Schedule.parse("02:30:15")).hasMessageContaining("seconds must be 00");
    }
}
