package dev.shear.block;

/// The allocation state of a run of bytes, as a node reports it from [BlockNode#blockStatus].
///
/// @param state  what the run holds
/// @param offset where the run starts
/// @param length how long it is (≥ 1 unless the request was empty)
public record BlockStatus(State state, long offset, long length) {

    /// What a run holds.
    public enum State {
        /// The node stores data here (it may still happen to be zeroes).
        DATA,
        /// The run reads as zeroes and this node answers for it (a hole in a raw file, a qcow2
        /// zero cluster, an unallocated qcow2 cluster with no backing file).
        ZERO,
        /// This node does not hold the run: reads come from its backing node. Only nodes with a
        /// backing node report it.
        UNALLOCATED
    }

    public BlockStatus {
        if (state == null || offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad block status " + state + " " + offset + "+" + length);
        }
    }

    /// The first byte after the run.
    public long end() {
        return offset + length;
    }

    /// True when the run reads as zeroes from this node alone.
    public boolean isZero() {
        return state == State.ZERO;
    }
}
