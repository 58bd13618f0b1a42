package dev.shear.app;

import dev.shear.app.common.ManualFrames;
import dev.shear.app.common.SameThreadTaskExecutor;
import dev.shear.app.guest.RuntimeGuestHost;
import dev.shear.app.main.NavItem;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.demo.Demo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/// A small demo datacenter and an [AppContext] on it for view-model tests: real engine, the
/// same-thread executor, scripted dialogs and a hand-driven frame clock. No window.
final class EngineFixture implements AutoCloseable {
    final Datacenter dc;
    final ScriptedDialogs dialogs = new ScriptedDialogs();
    final ManualFrames frames = new ManualFrames();
    final List<NavItem> navigations = new ArrayList<>();
    final AppContext ctx;

    EngineFixture(Path root) throws IOException {
        dc = Datacenter.open(root);
        Demo.create(dc, Demo.Size.SMALL, line -> { });
        ctx = new AppContext(dc, new SameThreadTaskExecutor(), dialogs, frames, new RuntimeGuestHost(dc),
                navigations::add);
    }

    /// Ticks frames (16 ms apart) until `done` holds; fails after `seconds`.
    void tickUntil(String what, double seconds, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            frames.tick(16_000_000L);
            Thread.sleep(16);
        }
    }

    @Override
    public void close() {
        ctx.close();
    }
}
