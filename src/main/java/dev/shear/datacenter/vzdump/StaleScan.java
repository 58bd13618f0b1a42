package dev.shear.datacenter.vzdump;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.Listing;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.VolumeId;
import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.vzdump.StaleCleanup.Item;
import dev.shear.datacenter.vzdump.StaleCleanup.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/// The search of [StaleCleanup#find()]. Storages and archives are scanned **before** the guest
/// configurations are read: a fleecing image is recorded before its file is created, so an image
/// found on disk and then not found in its guest's record really is unrecorded (or was freed in
/// between, which the removal's re-check notices).
final class StaleScan {
    private final Datacenter dc;
    private final List<Item> items = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private OpenFiles open;

    StaleScan(Datacenter dc) {
        this.dc = dc;
    }

    StaleCleanup.Plan scan() throws IOException {
        open = OpenFiles.now();
        List<VolumeInfo> fleecingFiles = fleecingFiles();
        List<Archive> incomplete = incompleteArchives();
        Listing<GuestConfig> guests = dc.guests().list();
        Set<Integer> unreadable = new HashSet<>();
        for (ConfigException broken : guests.broken()) {
            unreadable.add(vmidOf(broken.path()));
            notes.add("an unreadable guest file (" + broken.getMessage() + "): its guest's images are left alone");
        }
        Map<Integer, GuestConfig> byId = new HashMap<>();
        for (GuestConfig g : guests.items()) {
            byId.put(g.vmid(), g);
            guest(g);
        }
        for (VolumeInfo v : fleecingFiles) {
            orphan(v, byId.get(v.id().name().vmid()), unreadable.contains(v.id().name().vmid()));
        }
        for (Archive a : incomplete) {
            archive(a, byId.get(a.name().vmid()));
        }
        if (open.unreadable() > 0) {
            notes.add("the open files of " + open.unreadable() + " process(es) could not be checked (reading another"
                    + " user's needs root); files they hold open may be offered");
        }
        return new StaleCleanup.Plan(items, notes);
    }

    private static int vmidOf(Path guestFile) {
        String n = guestFile.getFileName().toString();
        try {
            return Integer.parseInt(n.substring(0, n.length() - ".json".length()));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1;
        }
    }

    /// Every file named like a fleecing image on the image storages.
    private List<VolumeInfo> fleecingFiles() throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        Listing<StorageConfig> storages = dc.storages().list();
        storages.broken().forEach(b -> notes.add("an unreadable storage definition (" + b.getMessage()
                + "): its images were not searched"));
        for (StorageConfig sc : storages.items()) {
            if (sc.content().contains(Content.IMAGES) && Files.isDirectory(sc.path())) {
                new Storage(sc).volumes().stream().filter(v -> v.id().name().kind() == VolumeKind.FLEECE).forEach(out::add);
            }
        }
        return out;
    }

    private List<Archive> incompleteArchives() throws IOException {
        List<Archive> out = new ArrayList<>();
        for (Archive a : new Archives(dc).list()) {
            if (a.state() == Archive.State.INCOMPLETE) {
                out.add(a);
            }
        }
        return out;
    }

    private void guest(GuestConfig g) throws IOException {
        int vmid = g.vmid();
        GuestLock lock = g.lock();
        if (lock != null && lock.owner().isAlive()) {
            notes.add("guest " + vmid + ": locked (" + lock + "), so its images and backups are in use");
            return;
        }
        if (lock != null && StaleCleanup.leavesUnfinishedGuest(lock)) {
            unfinished(g);
            return;
        }
        for (VolumeId v : g.fleecing()) {
            Path p = pathOf(v);
            if (p == null) {
                continue;
            }
            if (open.isOpen(p)) {
                notes.add("fleecing image " + v + " of guest " + vmid + ": open by a live process");
                continue;
            }
            items.add(new Item(Kind.RECORDED_FLEECING_IMAGE, v.toString(), vmid, p, allocated(v), lock != null
                    ? "recorded by guest " + vmid + "'s " + lock.kind() + " by " + lock.owner() + ", which is gone"
                    : "recorded by guest " + vmid + ", but no backup of it runs"));
        }
        if (lock != null) {
            items.add(new Item(Kind.STALE_LOCK, "guest " + vmid + "'s " + lock.kind() + " lock", vmid, null, 0,
                    "held by " + lock.owner() + ", which is gone"));
        }
    }

    private void unfinished(GuestConfig g) throws IOException {
        int vmid = g.vmid();
        if (new GuestRuns(dc.root()).holder(vmid).isPresent()) {
            notes.add("guest " + vmid + ": its " + g.lock().kind() + " did not finish, but the guest is open");
            return;
        }
        long bytes = 0;
        for (VolumeId v : g.volumes()) {
            Path p = pathOf(v);
            if (p != null && open.isOpen(p)) {
                notes.add("guest " + vmid + ": its " + g.lock().kind() + " did not finish, but " + v
                        + " is open by a live process");
                return;
            }
            bytes += p == null ? 0 : allocated(v);
        }
        items.add(new Item(Kind.UNFINISHED_GUEST, "guest " + vmid, vmid, null, bytes, "its " + g.lock().kind()
                + " by " + g.lock().owner() + " did not finish; destroying it frees its volumes"));
    }

    private void orphan(VolumeInfo v, GuestConfig g, boolean guestUnreadable) throws IOException {
        int vmid = v.id().name().vmid();
        if (guestUnreadable || (g != null && (g.fleecing().contains(v.id()) || StaleCleanup.liveLocked(g)))) {
            return;  // recorded, in use, or unknowable: reported with the guest above
        }
        Path p = pathOf(v.id());
        if (p == null) {
            return;
        }
        if (open.isOpen(p)) {
            notes.add("fleecing image " + v.id() + ": no guest records it, but a live process has it open");
            return;
        }
        items.add(new Item(Kind.ORPHAN_FLEECING_IMAGE, v.id().toString(), vmid, p, v.allocated(),
                g == null ? "no guest records it (guest " + vmid + " does not exist)"
                        : "no guest records it (guest " + vmid + " does not)"));
    }

    private void archive(Archive a, GuestConfig g) throws IOException {
        if (StaleCleanup.liveLocked(g)) {
            notes.add("incomplete backup " + a.id() + ": guest " + g.vmid() + " is locked (" + g.lock() + ")");
            return;
        }
        if (open.anyOpenIn(a.dir())) {
            notes.add("incomplete backup " + a.id() + ": a live process has a file of it open");
            return;
        }
        String writer = a.writer().map(w -> "its writer (" + w + ") is gone").orElse("it names no writer");
        items.add(new Item(Kind.INCOMPLETE_ARCHIVE, a.id(), a.name().vmid(), a.dir(), a.sizeOnDisk(),
                "it has no manifest and " + writer));
    }

    /// Where volume `v` lives, or null (with a note) when its storage cannot be used.
    private Path pathOf(VolumeId v) {
        try {
            return dc.storages().get(v.storage()).pathOf(v.name());
        } catch (IOException | RuntimeException e) {
            notes.add("volume " + v + ": " + e.getMessage());
            return null;
        }
    }

    private long allocated(VolumeId v) throws IOException {
        return FleecingImages.allocatedBytes(dc.storages().get(v.storage()), v.name());
    }
}
