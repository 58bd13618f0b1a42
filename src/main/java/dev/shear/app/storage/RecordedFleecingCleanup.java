package dev.shear.app.storage;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLockedException;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.TaskLog;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.VolumeKind;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/// A [FleecingCleanup] from the guest configurations' fleecing records: an image recorded by a
/// guest whose lock's owner lives is in use; recorded otherwise, stale; recorded by nobody, an
/// orphan. Removal re-checks each image under its guest's config lock and runs as a `cleanup`
/// task. Thread-safe.
public final class RecordedFleecingCleanup implements FleecingCleanup {
    private static final String IMAGE = "fleecing image";
    private static final String ORPHAN = "orphan fleecing image";
    private static final String LOCK = "stale lock";

    private final Datacenter dc;

    public RecordedFleecingCleanup(Datacenter dc) {
        this.dc = dc;
    }

    @Override
    public List<FleecingImageRow> images(String storage) throws IOException {
        Storage s = dc.storages().get(storage);
        List<VolumeInfo> files = s.volumes().stream().filter(v -> v.id().name().kind() == VolumeKind.FLEECE).toList();
        Map<Integer, GuestConfig> guests = new HashMap<>();
        for (GuestConfig g : dc.guests().list().items()) {
            guests.put(g.vmid(), g);
        }
        List<FleecingImageRow> rows = new ArrayList<>();
        for (VolumeInfo v : files) {
            int vmid = v.id().name().vmid();
            GuestConfig g = guests.get(vmid);
            rows.add(classify(v, g));
        }
        return rows;
    }

    private static FleecingImageRow classify(VolumeInfo v, GuestConfig g) {
        int vmid = v.id().name().vmid();
        String id = v.id().toString();
        if (g == null || !g.fleecing().contains(v.id())) {
            return new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.ORPHAN,
                    g == null ? "guest " + vmid + " does not exist" : "guest " + vmid + " does not record it");
        }
        if (g.lock() != null && g.lock().owner().isAlive()) {
            return new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.IN_USE,
                    "guest " + vmid + "'s " + g.lock());
        }
        return new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.STALE, g.lock() != null
                ? "recorded by guest " + vmid + "'s " + g.lock().kind() + " by " + g.lock().owner() + ", which is gone"
                : "recorded by guest " + vmid + ", but no backup of it runs");
    }

    @Override
    public CleanupPlan find(String storage) throws IOException {
        List<CleanupPlan.Item> items = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<Integer> lockedGuests = new LinkedHashSet<>();
        for (FleecingImageRow r : images(storage)) {
            switch (r.state()) {
                case IN_USE -> notes.add(IMAGE + " " + r.volume() + " is in use (" + r.why() + ")");
                case STALE -> {
                    items.add(new CleanupPlan.Item(IMAGE, r.volume(), r.bytes(), r.why()));
                    lockedGuests.add(r.vmid());
                }
                case ORPHAN -> items.add(new CleanupPlan.Item(ORPHAN, r.volume(), r.bytes(), r.why()));
            }
        }
        for (int vmid : lockedGuests) {
            GuestConfig g = dc.guests().get(vmid);
            if (g.lock() != null && !g.lock().owner().isAlive()) {
                items.add(new CleanupPlan.Item(LOCK, "guest " + vmid + "'s " + g.lock().kind() + " lock", 0,
                        "held by " + g.lock().owner() + ", which is gone"));
            }
        }
        return new CleanupPlan(items, notes);
    }

    @Override
    public CleanupReport execute(CleanupPlan plan) throws IOException {
        List<CleanupPlan.Item> removed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long freed = 0;
        try (TaskLog log = dc.tasks().start("cleanup")) {
            log.log("cleaning up " + plan.items().size() + " item(s), " + Sizes.format(plan.bytes()));
            for (CleanupPlan.Item item : plan.items()) {
                try {
                    remove(item);
                    removed.add(item);
                    freed += item.bytes();
                    log.log("removed " + item.describe());
                } catch (IOException | RuntimeException e) {
                    problems.add(item.kind() + " " + item.target() + ": " + e.getMessage());
                    log.log("left " + problems.getLast());
                }
            }
            log.log("removed " + removed.size() + " item(s), " + Sizes.format(freed) + " freed");
            if (problems.isEmpty()) {
                log.ok();
            } else {
                log.fail(problems.size() + " item(s) left: " + problems.getFirst());
            }
        }
        return new CleanupReport(removed, freed, problems);
    }

    private void remove(CleanupPlan.Item item) throws IOException {
        if (item.kind().equals(LOCK)) {
            int vmid = Integer.parseInt(item.target().replaceAll("^guest (\\d+).*", "$1"));
            dc.guests().clearStaleLock(vmid);
            return;
        }
        VolumeId v = VolumeId.parse(item.target());
        int vmid = v.name().vmid();
        Storage s = dc.storages().get(v.storage());
        if (item.kind().equals(ORPHAN)) {
            if (dc.guests().find(vmid).map(g -> g.fleecing().contains(v)).orElse(false)) {
                throw new IOException("guest " + vmid + " records it now");
            }
            s.free(v.name());
            return;
        }
        dc.guests().update(vmid, g -> {
            if (g.lock() != null && g.lock().owner().isAlive()) {
                throw new GuestLockedException(vmid, g.lock(), true);
            }
            s.free(v.name());
            return g.withFleecing(g.fleecing().stream().filter(x -> !x.equals(v)).toList());
        });
    }
}
