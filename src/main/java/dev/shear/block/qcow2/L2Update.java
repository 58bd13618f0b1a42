package dev.shear.block.qcow2;

/// A new L2 entry for guest cluster `guestCluster` (a guest offset divided by the cluster size).
record L2Update(long guestCluster, long entry) {
}
