package dev.shear.block;

/// How [RawFileNode#open] opens a raw image file.
///
/// @param writable open read-write; when false every write, write-zeroes and discard is refused
/// @param direct   bypass the page cache (`O_DIRECT`); requests and the file size must then be
///                 multiples of the file system's block size (the node's [BlockNode#alignment()])
public record RawOptions(boolean writable, boolean direct) {
    /// Read-write through the page cache: what the engine uses for fleecing images and targets.
    public static final RawOptions READ_WRITE = new RawOptions(true, false);
    /// Read-only through the page cache.
    public static final RawOptions READ_ONLY = new RawOptions(false, false);
}
