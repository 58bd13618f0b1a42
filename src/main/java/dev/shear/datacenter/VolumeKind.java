package dev.shear.datacenter;

/// What a volume is for, as its name says (`vm-100-disk-0.raw`, `vm-100-fleece-0.qcow2`).
public enum VolumeKind {
    /// A guest's disk.
    DISK("disk"),
    /// A temporary fleecing image of a backup (recorded in the guest's fleecing record while it exists).
    FLEECE("fleece");

    private final String word;

    VolumeKind(String word) {
        this.word = word;
    }

    /// The word in volume names.
    public String word() {
        return word;
    }
}
