package dev.shear.app.backup;

import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/// Reads what the backup dialog offers: backup storages as targets, image storages for fleecing
/// (with their thin/discard capabilities and free space, for PVE's hint). Does I/O: off the UI
/// thread.
public final class StorageChoices {
    private StorageChoices() {
    }

    /// The storages a backup may use.
    ///
    /// @param targets storages holding backups
    /// @param images  storages holding images (for fleecing)
    public record Offer(List<StorageChoice> targets, List<StorageChoice> images) {
    }

    /// The dialog's model for a backup of `guest`, filled with the datacenter's storages.
    public static BackupDialogViewModel dialogFor(Datacenter dc, GuestConfig guest) throws IOException {
        Offer offer = read(dc);
        Set<String> diskStorages = guest.disks().stream().map(d -> d.volume().storage()).collect(Collectors.toSet());
        return new BackupDialogViewModel(guest.vmid(), guest.name(), offer.targets(), offer.images(), diskStorages);
    }

    /// Every storage, with capabilities and free space, as targets and fleecing storages.
    public static Offer read(Datacenter dc) throws IOException {
        List<StorageChoice> targets = new ArrayList<>();
        List<StorageChoice> images = new ArrayList<>();
        for (StorageConfig c : dc.storages().list().items()) {
            Storage s = new Storage(c);
            Capabilities caps = null;
            long free = -1;
            try {
                caps = s.capabilities();
                free = s.space().available();
            } catch (IOException e) {
                System.getLogger(StorageChoices.class.getName()).log(System.Logger.Level.DEBUG,
                        "storage " + c.id() + ": " + e.getMessage());
            }
            StorageChoice choice = new StorageChoice(c.id(), caps, free);
            if (c.content().contains(Content.BACKUP)) {
                targets.add(choice);
            }
            if (c.content().contains(Content.IMAGES)) {
                images.add(choice);
            }
        }
        return new Offer(targets, images);
    }
}
