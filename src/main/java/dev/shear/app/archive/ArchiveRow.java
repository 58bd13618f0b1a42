package dev.shear.app.archive;

import dev.shear.datacenter.archive.Archive;
import dev.shear.datacenter.archive.Manifest;
import dev.shear.datacenter.archive.Verification;
import java.io.IOException;
import java.time.LocalDateTime;
import java.util.Optional;

/// A backup archive as the Backups view lists it.
///
/// @param id         `storage:name`
/// @param storage    the backup storage
/// @param vmid       the guest
/// @param guestName  the guest's name at backup time ("" when unknown)
/// @param time       when the backup started
/// @param mode       `full`, `incremental`, or "" when not complete
/// @param sizeOnDisk bytes on disk
/// @param state      `complete`, `in progress`, `incomplete` or `damaged`
/// @param verified   `ok`, `failed` or `never`
/// @param detail     the verification's message or the damage, "" when none
public record ArchiveRow(String id, String storage, int vmid, String guestName, LocalDateTime time, String mode,
                         long sizeOnDisk, String state, String verified, String detail) {

    /// Reads `a` (manifest, verification, size): I/O.
    public static ArchiveRow of(Archive a) throws IOException {
        String state = switch (a.state()) {
            case COMPLETE -> "complete";
            case IN_PROGRESS -> "in progress";
            case INCOMPLETE -> "incomplete";
        };
        String mode = "";
        String name = "";
        String detail = "";
        try {
            Optional<Manifest> m = a.manifest();
            if (m.isPresent()) {
                mode = m.get().mode();
                name = m.get().guest().name();
            }
        } catch (IOException e) {
            state = "damaged";
            detail = e.getMessage();
        }
        Optional<Verification> v = a.verification();
        String verified = v.map(x -> x.ok() ? "ok" : "failed").orElse("never");
        if (v.isPresent() && !v.get().ok()) {
            detail = v.get().message();
        }
        return new ArchiveRow(a.id(), a.storage(), a.name().vmid(), name, a.name().time(), mode, a.sizeOnDisk(), state,
                verified, detail);
    }

    /// True when it can be verified or restored.
    public boolean complete() {
        return state.equals("complete");
    }
}
