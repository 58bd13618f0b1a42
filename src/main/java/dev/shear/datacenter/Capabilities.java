package dev.shear.datacenter;

/// What a storage's file system can do for fleecing images (PVE's advice: "ideally with support
/// for discard and thin-provisioning or sparse files").
///
/// @param thin    a new image takes (almost) no space until written: sparse files work
/// @param discard freeing a range of an image gives the space back (hole punching works)
public record Capabilities(boolean thin, boolean discard) {
}
