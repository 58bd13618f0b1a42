package dev.shear.datacenter.archive;

import dev.shear.datacenter.ConfigException;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Optional;

/// What a listing shows about one archive (`shear list`, the app's backup view): a value, read
/// once.
///
/// @param id         `storage:name`
/// @param storage    the backup storage
/// @param vmid       the guest
/// @param time       when the backup started (local time, from the name)
/// @param mode       `full`, `incremental`, or null when the archive is not complete
/// @param sizeOnDisk bytes its files occupy
/// @param state      complete, in progress, or incomplete
/// @param verified   `ok`, `failed` or `never`
/// @param verifiedAt when it was last verified, or null
/// @param parent     the archive an incremental backup is based on, or null
/// @param problem    why a complete-looking archive could not be read (a damaged manifest), or null
public record ArchiveSummary(String id, String storage, int vmid, LocalDateTime time, String mode, long sizeOnDisk,
                             Archive.State state, String verified, Instant verifiedAt, String parent, String problem) {

    /// Reads `a`'s manifest, verification and size.
    public static ArchiveSummary of(Archive a) throws IOException {
        Archive.State state;
        Manifest m = null;
        String problem = null;
        try {
            Optional<Manifest> manifest = a.manifest();
            m = manifest.orElse(null);
            state = m != null ? Archive.State.COMPLETE : a.state();
        } catch (ConfigException e) {
            state = Archive.State.COMPLETE;
            problem = e.getMessage();
        }
        Optional<Verification> v = a.verification();
        return new ArchiveSummary(a.id(), a.storage(), a.name().vmid(), a.name().time(), m == null ? null : m.mode(),
                a.sizeOnDisk(), state, v.map(x -> x.ok() ? "ok" : "failed").orElse("never"),
                v.map(Verification::time).orElse(null), m == null ? null : m.parent(), problem);
    }

    /// The state as users read it: `complete`, `in progress`, `incomplete` (`damaged` when the
    /// manifest cannot be read).
    public String stateText() {
        if (problem != null) {
            return "damaged";
        }
        return state.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
