package dev.shear.app.storage;

import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.SpaceUsage;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.VolumeInfo;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.vzdump.StaleCleanup;
import java.io.IOException;
import java.util.List;

/// Everything the storage view shows, read off the UI thread.
///
/// @param config       the definition
/// @param space        file-system space
/// @param capabilities thin provisioning and discard (configured or detected)
/// @param detected     what the file system can do, ignoring overrides
/// @param volumes      disk volumes on it
/// @param fleecing     fleecing images on it with their state
/// @param archives     backup archives on it (empty unless it holds backups)
/// @param archiveBytes bytes the archives occupy
public record StorageDetails(StorageConfig config, SpaceUsage space, Capabilities capabilities, Capabilities detected,
                             List<VolumeInfo> volumes, List<FleecingImageRow> fleecing, int archives,
                             long archiveBytes) {

    public static StorageDetails read(Datacenter dc, String id) throws IOException {
        Storage s = dc.storages().get(id);
        List<VolumeInfo> all = s.volumes();
        List<VolumeInfo> vols = all.stream().filter(v -> v.id().name().kind() == VolumeKind.DISK).toList();
        List<VolumeInfo> fleece = all.stream().filter(v -> v.id().name().kind() == VolumeKind.FLEECE).toList();
        List<FleecingImageRow> rows = fleece.isEmpty() ? List.of()
                : StorageFleecing.rows(id, fleece, new StaleCleanup(dc).find());
        int n = 0;
        long bytes = 0;
        if (s.config().content().contains(Content.BACKUP)) {
            for (Archive a : new Archives(dc).list(s)) {
                n++;
                bytes += a.sizeOnDisk();
            }
        }
        return new StorageDetails(s.config(), s.space(), s.capabilities(), s.detectCapabilities(), vols, rows, n,
                bytes);
    }

    /// True when some fleecing image may be removed.
    public boolean hasStale() {
        return fleecing.stream().anyMatch(r -> r.state() != FleecingImageRow.State.IN_USE);
    }
}
