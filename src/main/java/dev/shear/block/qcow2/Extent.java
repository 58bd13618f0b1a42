package dev.shear.block.qcow2;

import dev.shear.block.BlockStatus;

/// A run of guest bytes in one state; for [BlockStatus.State#DATA] runs read from the host file,
/// `hostOffset` is where the run's first byte is stored (host-contiguous runs only), else -1.
record Extent(BlockStatus.State state, long offset, long length, long hostOffset) {
    long end() {
        return offset + length;
    }
}
