package dev.shear.datacenter.archive;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shear.datacenter.GuestConfig;
import java.time.Instant;
import java.util.List;

/// What a finished backup archive holds (`manifest.json`, written last and atomically: an archive
/// without it is incomplete and never restored).
///
/// @param archive the archive's name
/// @param mode    `full` or `incremental`
/// @param parent  for an incremental backup, the archive (same storage) its images are based on
/// @param started when the point in time was taken
/// @param ended   when the backup finished
/// @param guest   the guest's configuration at backup time (without lock and fleecing record)
/// @param disks   one entry per disk
/// @param options the options the backup ran with
public record Manifest(
        @JsonProperty(required = true) String archive,
        @JsonProperty(required = true) String mode,
        String parent,
        @JsonProperty(required = true) Instant started,
        @JsonProperty(required = true) Instant ended,
        @JsonProperty(required = true) GuestConfig guest,
        @JsonProperty(required = true) List<DiskEntry> disks,
        @JsonProperty(required = true) Options options) {

    public static final String FULL = "full";
    public static final String INCREMENTAL = "incremental";

    public Manifest {
        if (!FULL.equals(mode) && !INCREMENTAL.equals(mode)) {
            throw new IllegalArgumentException("mode must be full or incremental, not '" + mode + "'");
        }
        if (INCREMENTAL.equals(mode) && (parent == null || parent.isBlank())) {
            throw new IllegalArgumentException("an incremental backup needs a parent archive");
        }
        disks = List.copyOf(disks);
    }

    /// One disk of the archive.
    ///
    /// @param key         the disk (`scsi0`)
    /// @param file        the image in the archive directory (`scsi0.qcow2`)
    /// @param size        the disk size in bytes
    /// @param clusterSize the backup's cluster size for this disk
    /// @param sha256      SHA-256 of the disk's whole content at the point in time (hex)
    /// @param copied      bytes copied into this archive (all for full, changed clusters for incremental)
    /// @param incremental true when the image holds only changed clusters over the parent's image
    public record DiskEntry(@JsonProperty(required = true) String key, @JsonProperty(required = true) String file,
                            long size, int clusterSize, @JsonProperty(required = true) String sha256, long copied,
                            boolean incremental) {
    }

    /// The options recorded for the record: what a user would pass again to repeat it.
    ///
    /// @param writeBehindBytes `--cbw-write-behind` per disk; null in manifests written before
    ///                         Shear recorded it
    public record Options(String fleecingStorage, int maxWorkers, long maxChunk, long minClusterSize,
                          long bwlimitBytes, boolean discardSource, String onCbwError, long cbwTimeoutSeconds,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Long writeBehindBytes) {
    }

    /// The entry of disk `key`, or null.
    public DiskEntry disk(String key) {
        return disks.stream().filter(d -> d.key().equals(key)).findFirst().orElse(null);
    }
}
