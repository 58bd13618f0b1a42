package dev.shear.app.common;

import java.util.ArrayList;
import java.util.List;
import javafx.animation.AnimationTimer;

/// The app's frame clock: one `AnimationTimer` running every subscriber on each pulse. Use it on
/// the FX thread only (subscribing, cancelling and ticking all happen there).
public final class FxFrames implements Frames, AutoCloseable {
    /// FX thread only.
    private final List<FrameTick> ticks = new ArrayList<>();
    private final AnimationTimer timer = new AnimationTimer() {
        @Override
        public void handle(long now) {
            for (FrameTick t : List.copyOf(ticks)) {
                t.frame(now);
            }
        }
    };

    /// Stops the clock and drops every subscriber (the app is closing).
    @Override
    public void close() {
        timer.stop();
        ticks.clear();
    }

    @Override
    public Subscription onFrame(FrameTick tick) {
        ticks.add(tick);
        if (ticks.size() == 1) {
            timer.start();
        }
        return () -> {
            if (ticks.remove(tick) && ticks.isEmpty()) {
                timer.stop();
            }
        };
    }
}
