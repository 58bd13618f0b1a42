package dev.shear.app.storage;

import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.vzdump.StaleCleanup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/// The storage view's reading of the engine's stale cleanup ([StaleCleanup]): which fleecing
/// images on one storage are stale, orphaned or in use, and the part of a cleanup plan that
/// concerns that storage's fleecing images (with the stale locks of their guests).
public final class StorageFleecing {
    private StorageFleecing() {
    }

    /// One row per fleecing image file of storage `storage` (`files`), judged by `plan`: an image
    /// the plan would remove is stale (recorded) or an orphan; any other is in use.
    public static List<FleecingImageRow> rows(String storage, List<VolumeInfo> files, StaleCleanup.Plan plan) {
        List<FleecingImageRow> rows = new ArrayList<>();
        for (VolumeInfo v : files) {
            String id = v.id().toString();
            int vmid = v.id().name().vmid();
            StaleCleanup.Item item = plan.items().stream().filter(i -> i.target().equals(id)).findFirst().orElse(null);
            if (item != null && item.kind() == StaleCleanup.Kind.RECORDED_FLEECING_IMAGE) {
                rows.add(new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.STALE, item.why()));
            } else if (item != null && item.kind() == StaleCleanup.Kind.ORPHAN_FLEECING_IMAGE) {
                rows.add(new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.ORPHAN, item.why()));
            } else {
                String why = plan.notes().stream().filter(n -> n.contains(id) || n.startsWith("guest " + vmid + ":"))
                        .findFirst().orElse("a backup of guest " + vmid + " uses it");
                rows.add(new FleecingImageRow(id, vmid, v.allocated(), FleecingImageRow.State.IN_USE, why));
            }
        }
        return rows;
    }

    /// The items of `plan` that remove fleecing images of storage `storage`, and the stale locks of
    /// the guests they belong to; with the notes about the guests whose images are there
    /// (`owners`: the guests of the fleecing image files on the storage).
    public static StaleCleanup.Plan forStorage(String storage, Set<Integer> owners, StaleCleanup.Plan plan) {
        List<StaleCleanup.Item> items = new ArrayList<>();
        Set<Integer> guests = new HashSet<>();
        for (StaleCleanup.Item i : plan.items()) {
            if (isImage(i) && i.target().startsWith(storage + ":")) {
                items.add(i);
                guests.add(i.vmid());
            }
        }
        for (StaleCleanup.Item i : plan.items()) {
            if (i.kind() == StaleCleanup.Kind.STALE_LOCK && guests.contains(i.vmid())) {
                items.add(i);
            }
        }
        List<String> notes = plan.notes().stream().filter(n -> n.contains(storage + ":")
                || owners.stream().anyMatch(g -> n.startsWith("guest " + g + ":"))).toList();
        return new StaleCleanup.Plan(items, notes);
    }

    private static boolean isImage(StaleCleanup.Item i) {
        return i.kind() == StaleCleanup.Kind.RECORDED_FLEECING_IMAGE || i.kind() == StaleCleanup.Kind.ORPHAN_FLEECING_IMAGE;
    }
}
