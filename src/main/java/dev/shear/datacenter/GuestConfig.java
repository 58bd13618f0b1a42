package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/// A guest's configuration, as stored in `guests/<vmid>.json`.
///
/// What a valid configuration guarantees (checked on construction, so also when read from a file):
/// * every disk has its own `bus`+`index` and its own volume, and every disk volume is a `disk`
///   volume **of this guest** (`vm-<vmid>-disk-<n>`);
/// * every fleecing entry is a `fleece` volume of this guest, listed once.
///
/// So destroying a guest can only ever free its own volumes, whatever a hand-edited file says.
///
/// @param vmid        the guest id, 100…999999999
/// @param name        a DNS-style name: letters, digits, `-` and `.`, at most 63 characters
/// @param description free text, "" when none
/// @param disks       the disks, in the order given
/// @param lock        the long-lived lock, or null when the guest is not locked
/// @param fleecing    fleecing images recorded as in use (Proxmox VE's `[special:fleecing]
///                    fleecing-images`): recorded before they are used, removed after they are
///                    freed, so a cleanup after a crash finds them
public record GuestConfig(
        @JsonProperty(required = true) int vmid,
        @JsonProperty(required = true) String name,
        String description,
        @JsonProperty(required = true) List<GuestDisk> disks,
        GuestLock lock,
        List<VolumeId> fleecing) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?");

    public GuestConfig {
        VolumeName.checkVmid(vmid);
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid guest name '" + name + "': use letters, digits, '-' and '.',"
                    + " starting and ending with a letter or digit, at most 63 characters");
        }
        description = description == null ? "" : description;
        disks = disks == null ? List.of() : List.copyOf(disks);
        fleecing = fleecing == null ? List.of() : List.copyOf(fleecing);
        checkDisks(vmid, disks);
        checkFleecing(vmid, fleecing);
    }

    /// A new, unlocked guest without fleecing images.
    public static GuestConfig of(int vmid, String name, List<GuestDisk> disks) {
        return new GuestConfig(vmid, name, "", disks, null, List.of());
    }

    public GuestConfig withLock(GuestLock lock) {
        return new GuestConfig(vmid, name, description, disks, lock, fleecing);
    }

    public GuestConfig withFleecing(List<VolumeId> fleecing) {
        return new GuestConfig(vmid, name, description, disks, lock, fleecing);
    }

    public GuestConfig withDisks(List<GuestDisk> disks) {
        return new GuestConfig(vmid, name, description, disks, lock, fleecing);
    }

    public GuestConfig withDescription(String description) {
        return new GuestConfig(vmid, name, description, disks, lock, fleecing);
    }

    /// Every volume the guest references: its disks' volumes, then its fleecing images.
    public List<VolumeId> volumes() {
        return Stream.concat(disks.stream().map(GuestDisk::volume), fleecing.stream()).toList();
    }

    private static void checkDisks(int vmid, List<GuestDisk> disks) {
        Set<String> keys = new HashSet<>();
        Set<VolumeId> volumes = new HashSet<>();
        for (GuestDisk d : disks) {
            if (d == null) {
                throw new IllegalArgumentException("guest " + vmid + ": a disk entry is empty");
            }
            if (!keys.add(d.key())) {
                throw new IllegalArgumentException("guest " + vmid + ": disk " + d.key() + " is listed twice");
            }
            if (!volumes.add(d.volume())) {
                throw new IllegalArgumentException("guest " + vmid + ": volume " + d.volume() + " backs two disks");
            }
            checkOwn(vmid, d.volume(), VolumeKind.DISK, "disk " + d.key());
        }
    }

    private static void checkFleecing(int vmid, List<VolumeId> fleecing) {
        Set<VolumeId> seen = new HashSet<>();
        for (VolumeId v : fleecing) {
            if (v == null) {
                throw new IllegalArgumentException("guest " + vmid + ": a fleecing entry is empty");
            }
            if (!seen.add(v)) {
                throw new IllegalArgumentException("guest " + vmid + ": fleecing image " + v + " is listed twice");
            }
            checkOwn(vmid, v, VolumeKind.FLEECE, "fleecing entry");
        }
    }

    private static void checkOwn(int vmid, VolumeId v, VolumeKind kind, String what) {
        if (v.name().vmid() != vmid || v.name().kind() != kind) {
            throw new IllegalArgumentException("guest " + vmid + ": " + what + " " + v + " is not a " + kind.word()
                    + " volume of this guest (expected vm-" + vmid + "-" + kind.word() + "-<n>)");
        }
    }
}
