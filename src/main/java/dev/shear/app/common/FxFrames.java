package dev.shear.app.common;

import java.util.ArrayList;
import java.util.List;
import javafx.animation.AnimationTimer;

/// The app's frame clock: one `AnimationTimer` running every subscriber on each pulse. Use it on
/// the FX thread only (subscribing, cancelling and ticking all happen there).
public final class FxFrames implements Frames, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FxFrames.class.getName());
    /// A gap between pulses worth reporting: the UI stood still for a noticeable moment.
    private static final long STALL_NANOS = 250_000_000L;
    /// FX thread only.
    private final List<FrameTick> ticks = new ArrayList<>();
    /// FX thread only: the previous pulse, 0 after (re)starting.
    private long last;
    /// FX thread only: how long the subscribers took in the previous pulse.
    private long work;
    private final AnimationTimer timer = new AnimationTimer() {
        @Override
        public void handle(long now) {
            if (last != 0 && now - last > STALL_NANOS) {
                LOG.log(System.Logger.Level.INFO, "the UI thread missed frames: " + (now - last) / 1_000_000 + " ms"
                        + " between two pulses (the frame subscribers took " + work / 1_000_000 + " ms of it)");
            }
            last = now;
            long t0 = System.nanoTime();
            for (FrameTick t : List.copyOf(ticks)) {
                t.frame(now);
            }
            work = System.nanoTime() - t0;
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
            last = 0;
            timer.start();
        }
        return () -> {
            if (ticks.remove(tick) && ticks.isEmpty()) {
                timer.stop();
            }
        };
    }
}
