package dev.shear.datacenter.demo;

import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Bus;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestSpec;
import dev.shear.datacenter.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/// The demo datacenter a new user sees on first start: three storages — `local` for disks,
/// `fast` for fleecing images, `backup` for archives — and three guests whose disks hold sample
/// data, one of them with two disks. Storage directories live under `<root>/demo/`.
public final class Demo {
    /// How big the demo is: full (disks of a few GiB) or small (MiB, for tests).
    public enum Size {
        FULL(1L << 30), SMALL(1L << 20);

        private final long unit;

        Size(long unit) {
            this.unit = unit;
        }
    }

    /// One demo guest: id, name, description, disk sizes in units, data fill.
    private record GuestPlan(int vmid, String name, String description, long[] disks, double fill) {
    }

    private static final List<GuestPlan> GUESTS = List.of(
            new GuestPlan(100, "web", "Web server (nginx) — demo guest", new long[] {2}, 0.20),
            new GuestPlan(101, "db", "Database with a separate data disk — demo guest", new long[] {2, 4}, 0.12),
            new GuestPlan(102, "files", "File server — demo guest", new long[] {3}, 0.10));

    private Demo() {
    }

    /// True when the datacenter has no storages and no guests (a first start).
    public static boolean isEmpty(Datacenter dc) throws IOException {
        return dc.storages().list().items().isEmpty() && dc.guests().list().items().isEmpty();
    }

    /// Creates the demo storages and guests; `progress` receives a line per step.
    ///
    /// @throws IllegalStateException when a demo storage or guest exists already
    public static void create(Datacenter dc, Size size, Consumer<String> progress) throws IOException {
        Path base = dc.root().path().resolve("demo");
        storage(dc, "local", base.resolve("local"), EnumSet.of(Content.IMAGES), progress);
        storage(dc, "fast", base.resolve("fast"), EnumSet.of(Content.IMAGES), progress);
        storage(dc, "backup", base.resolve("backup"), EnumSet.of(Content.BACKUP), progress);
        for (GuestPlan g : GUESTS) {
            if (dc.guests().find(g.vmid()).isPresent()) {
                throw new IllegalStateException("guest " + g.vmid() + " exists already; the demo needs ids 100-102");
            }
            List<GuestSpec.DiskSpec> disks = new java.util.ArrayList<>();
            for (int i = 0; i < g.disks().length; i++) {
                disks.add(new GuestSpec.DiskSpec(Bus.SCSI, i, "local", ImageFormat.RAW, g.disks()[i] * size.unit));
            }
            progress.accept("creating guest " + g.vmid() + " (" + g.name() + ") with " + disks.size() + " disk(s)");
            dc.guests().create(new GuestSpec(g.vmid(), g.name(), g.description(), disks),
                    (disk, node) -> SampleData.fill(node, g.fill(), g.vmid() * 10L + disk.index()));
        }
        progress.accept("demo datacenter ready: storages local, fast, backup; guests 100, 101, 102");
    }

    private static void storage(Datacenter dc, String id, Path path, Set<Content> content, Consumer<String> progress)
            throws IOException {
        if (dc.storages().list().items().stream().anyMatch(s -> s.id().equals(id))) {
            throw new IllegalStateException("storage '" + id + "' exists already; the demo needs a fresh datacenter");
        }
        Files.createDirectories(path);
        StorageConfig c = StorageConfig.dir(id, path, content);
        if (content.contains(Content.IMAGES)) {
            c = c.withFormats(EnumSet.of(ImageFormat.RAW, ImageFormat.QCOW2), ImageFormat.RAW);
        }
        dc.storages().add(c);
        progress.accept("added storage '" + id + "' (content " + String.join(",", content.stream().map(Content::id).toList())
                + ") at " + path);
    }
}
