package dev.shear.app.bench;

import dev.shear.app.clustermap.ClusterMapControl;
import dev.shear.app.clustermap.ClusterMapFeed;
import dev.shear.app.clustermap.MapData;
import dev.shear.app.clustermap.MapFrame;
import dev.shear.app.clustermap.MapRenderer;
import dev.shear.app.clustermap.Viewport;
import dev.shear.backup.ClusterMap;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;

/// `shear bench-ui`: how long the live cluster map takes per frame for a 1 TiB disk (16 Mi
/// clusters of 64 KiB) while two threads keep changing its bitmaps.
///
/// 1. The pipeline off the UI thread, per frame: snapshot of the bitmaps, normalisation, rendering
///    into pixels for a 1000×400 map.
/// 2. With a display (`DISPLAY` set): the real control in a window fed by [ClusterMapFeed] for
///    ten seconds after one of warm-up — frames shown per second, time between pulses, and time the FX thread spends
///    copying a frame into the image.
///
/// A benchmark, not a test: it prints numbers and asserts nothing.
public final class ClusterMapBench {
    private static final int W = 1000;
    private static final int H = 400;

    private ClusterMapBench() {
    }

    /// Runs the benchmark; returns the exit code.
    public static int run(String[] args) {
        long clusters = args.length > 0 ? Long.parseLong(args[0]) : 16L << 20;
        int frames = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (SyntheticBackup backup = new SyntheticBackup(clusters, 64 * 1024)) {
            System.out.printf(Locale.ROOT, "cluster map benchmark: %,d clusters of 64 KiB (%s), %dx%d pixels%n",
                    clusters, dev.shear.util.Sizes.format(clusters * 64 * 1024), W, H);
            pipeline(backup, frames);
            if (System.getenv("DISPLAY") != null && !System.getenv("DISPLAY").isBlank()) {
                onScreen(backup);
            } else {
                System.out.println("no DISPLAY: skipping the on-screen part (run under xvfb-run to include it)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
        return 0;
    }

    private static void pipeline(SyntheticBackup backup, int frames) {
        Viewport view = new Viewport(W, H, null, new int[] {0xffd8dee4, 0xfff4a261, 0xff0969da, 0xff2da44e,
            0xff26a69a, 0xff8250df, 0xffffffff});
        long[] snap = new long[frames];
        long[] norm = new long[frames];
        long[] draw = new long[frames];
        for (int i = 0; i < 30; i++) {
            MapRenderer.render(MapData.of(backup.snapshot()), view);
        }
        long updates0 = backup.updates();
        long t0 = System.nanoTime();
        for (int i = 0; i < frames; i++) {
            long a = System.nanoTime();
            ClusterMap m = backup.snapshot();
            long b = System.nanoTime();
            MapData d = MapData.of(m);
            long c = System.nanoTime();
            MapFrame f = MapRenderer.render(d, view);
            long e = System.nanoTime();
            snap[i] = b - a;
            norm[i] = c - b;
            draw[i] = e - c;
            if (f.pixels().length != W * H) {
                throw new IllegalStateException("bad frame");
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "pipeline (after 30 warm-up frames), %d frames, %,.0f bitmap updates/s meanwhile:%n", frames,
                (backup.updates() - updates0) / secs);
        print("  snapshot  ", snap);
        print("  normalise ", norm);
        print("  render    ", draw);
        long[] total = new long[frames];
        Arrays.setAll(total, i -> snap[i] + norm[i] + draw[i]);
        print("  total     ", total);
    }

    private static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%s p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms%n", what, s[s.length / 2] / 1e6,
                s[(int) (s.length * 0.95)] / 1e6, s[s.length - 1] / 1e6);
    }

    private static void onScreen(SyntheticBackup backup) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        long[][] result = new long[3][];
        Platform.startup(() -> {
            ClusterMapControl map = new ClusterMapControl();
            Stage stage = new Stage();
            stage.setScene(new Scene(map, W, H));
            stage.show();
            ClusterMapFeed feed = new ClusterMapFeed(16_000_000L);
            feed.setSource(backup::snapshot);
            map.viewportProperty().addListener((o, a, v) -> feed.setViewport(v));
            if (map.viewportProperty().get() != null) {
                feed.setViewport(map.viewportProperty().get());
            }
            long[] pulses = new long[100_000];
            long[] apply = new long[100_000];
            int[] n = {0, 0};
            long start = System.nanoTime();
            new AnimationTimer() {
                private long last;

                @Override
                public void handle(long now) {
                    if (now - start < 1_000_000_000L) {
                        last = now;
                        feed.poll();
                        return;
                    }
                    if (last != 0 && n[0] < pulses.length) {
                        pulses[n[0]++] = now - last;
                    }
                    last = now;
                    MapFrame f = feed.poll();
                    if (f != null) {
                        long a = System.nanoTime();
                        map.setFrame(f);
                        apply[n[1]++] = System.nanoTime() - a;
                    }
                    if (now - start > 11_000_000_000L) {
                        stop();
                        feed.close();
                        result[0] = Arrays.copyOf(pulses, n[0]);
                        result[1] = Arrays.copyOf(apply, n[1]);
                        stage.close();
                        done.countDown();
                    }
                }
            }.start();
        });
        done.await();
        System.out.printf(Locale.ROOT, "on screen, 10 s after 1 s of warm-up: %d pulses, %d map frames shown (%.1f per second)%n",
                result[0].length, result[1].length, result[1].length / 10.0);
        print("  pulse interval", result[0]);
        print("  FX apply      ", result[1]);
        Platform.exit();
    }
}
