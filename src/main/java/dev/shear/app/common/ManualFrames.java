package dev.shear.app.common;

import java.util.ArrayList;
import java.util.List;

/// A [Frames] clock that ticks only when told to ([#tick]): for view-model tests. Single-threaded.
public final class ManualFrames implements Frames {
    private final List<FrameTick> ticks = new ArrayList<>();
    private long now;

    @Override
    public Subscription onFrame(FrameTick tick) {
        ticks.add(tick);
        return () -> ticks.remove(tick);
    }

    /// Runs one frame, `advanceNanos` after the previous one.
    public void tick(long advanceNanos) {
        now += advanceNanos;
        for (FrameTick t : List.copyOf(ticks)) {
            t.frame(now);
        }
    }

    /// The number of subscribers.
    public int subscribers() {
        return ticks.size();
    }
}
