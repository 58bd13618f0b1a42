package dev.shear.block.qcow2;

/// A run of host clusters: `count` clusters from cluster index `cluster` (a byte offset divided by
/// the cluster size).
record HostRun(long cluster, long count) {
    HostRun {
        if (cluster < 0 || count <= 0) {
            throw new IllegalArgumentException("bad host run " + cluster + "+" + count);
        }
    }

    long end() {
        return cluster + count;
    }
}
