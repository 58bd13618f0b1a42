package dev.shear.app.guest;

/// One disk as the guest view lists it.
///
/// @param key        `scsi0`
/// @param bus        `scsi`
/// @param size       disk size in bytes
/// @param allocated  bytes its image occupies on disk, -1 when unknown
/// @param format     `raw` or `qcow2`
/// @param storage    the storage id
/// @param volume     the volume id
/// @param allocation share of each part of the disk that holds data (0 … 1), or null when unknown
/// @param uri        the NBD URI while running, else ""
public record DiskRow(String key, String bus, long size, long allocated, String format, String storage, String volume,
                      double[] allocation, String uri) {
}
