package dev.shear.app.common;

/// The frame clock: subscribers run once per displayed frame on the UI thread. View models apply
/// coalesced engine events here, so the UI changes at most once a frame however fast the engine
/// publishes. Tests drive it by hand ([ManualFrames]).
public interface Frames {

    /// A registration; [#cancel()] stops the calls (idempotent).
    interface Subscription {
        void cancel();
    }

    /// Calls `tick` with the frame time in nanoseconds once per frame until cancelled.
    Subscription onFrame(FrameTick tick);

    /// What runs each frame.
    @FunctionalInterface
    interface FrameTick {
        void frame(long nanos);
    }
}
