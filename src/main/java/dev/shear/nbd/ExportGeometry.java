package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.FLAG_CAN_MULTI_CONN;
import static dev.shear.nbd.NbdProtocol.FLAG_HAS_FLAGS;
import static dev.shear.nbd.NbdProtocol.FLAG_READ_ONLY;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_CACHE;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_DF;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_FLUSH;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_FUA;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_TRIM;
import static dev.shear.nbd.NbdProtocol.FLAG_SEND_WRITE_ZEROES;

/// What the server tells a client about an export's shape: its size, block size constraints and
/// transmission flags.
///
/// `NBD_FLAG_CAN_MULTI_CONN` is always set: the [dev.shear.block.BlockNode] contract makes
/// `flush` cover every completed write on the node, whichever connection sent it, and all
/// connections to an export share the one node (no per-connection cache), so a flush or FUA
/// reply on one connection covers what every other connection had completed.
///
/// @param size           the export size in bytes
/// @param minBlock       minimum block size: the node's alignment (1 for most nodes)
/// @param preferredBlock max(4096, cluster size, minBlock), capped at the largest power of two ≤ maxPayload
/// @param maxPayload     the largest READ or WRITE payload accepted
/// @param flags          the transmission flags
record ExportGeometry(long size, int minBlock, int preferredBlock, int maxPayload, int flags) {

    /// The geometry of `export` for a connection that did (or did not) negotiate structured replies.
    static ExportGeometry of(NbdExport export, int maxPayload, boolean structured) {
        int min = Math.max(1, export.node().alignment());
        int preferred = Math.min(Integer.highestOneBit(maxPayload), Math.max(Math.max(4096, export.node().clusterSize()), min));
        int flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_CACHE | FLAG_CAN_MULTI_CONN;
        if (export.readOnly()) {
            flags |= FLAG_READ_ONLY;
        } else {
            flags |= FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;
        }
        if (structured) {
            flags |= FLAG_SEND_DF;
        }
        return new ExportGeometry(export.node().size(), min, preferred, maxPayload, flags);
    }
}
