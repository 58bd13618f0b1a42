package dev.shear.datacenter;

/// A storage's space in bytes, as its file system reports it.
///
/// @param total     the file system's size
/// @param used      total minus unallocated space
/// @param available what an unprivileged writer may still use
public record SpaceUsage(long total, long used, long available) {
}
