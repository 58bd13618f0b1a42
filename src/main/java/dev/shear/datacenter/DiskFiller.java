package dev.shear.datacenter;

import dev.shear.block.BlockNode;
import java.io.IOException;

/// Writes initial contents (sample data, a restored image) into a freshly allocated disk during
/// [Guests#create]. The node is open read-write; it is flushed and closed afterwards by the caller
/// of the filler. A failure aborts the creation (and frees every disk allocated so far).
@FunctionalInterface
public interface DiskFiller {
    void fill(GuestDisk disk, BlockNode node) throws IOException;
}
