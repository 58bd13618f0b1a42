package dev.shear.copy;

/// What a copy-before-write filter's write-behind (decision 0023) holds.
///
/// @param held       bytes of acknowledged guest writes not carried out yet
/// @param peak       the most bytes held at once so far
/// @param overBudget guest writes that waited for their copy because the budget was full
public record WriteBehindStats(long held, long peak, long overBudget) {
    /// A filter without write-behind.
    public static final WriteBehindStats NONE = new WriteBehindStats(0, 0, 0);
}
