package dev.shear.datacenter;

/// A volume found on a storage.
///
/// @param id        its volume id
/// @param fileSize  the image file's length (for qcow2 this is not the disk size)
/// @param allocated bytes the file occupies on disk (sparse files take less than their length)
public record VolumeInfo(VolumeId id, long fileSize, long allocated) {
}
