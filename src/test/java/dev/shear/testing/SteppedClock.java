package dev.shear.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/// A clock that stands still until a test moves it: schedules and timeouts are tested without
/// waiting. Thread-safe.
public final class SteppedClock extends Clock {
    private final ZoneId zone;
    private volatile Instant now;

    public SteppedClock(Instant start, ZoneId zone) {
        this.now = start;
        this.zone = zone;
    }

    /// Moves the clock to `t`.
    public void set(Instant t) {
        now = t;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new SteppedClock(now, z);
    }

    @Override
    public Instant instant() {
        return now;
    }
}
