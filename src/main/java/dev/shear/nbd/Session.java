package dev.shear.nbd;

import java.util.List;

/// What option haggling settled for the transmission phase of one connection.
///
/// @param lease      the export in use (closed when the connection ends)
/// @param structured whether structured replies were negotiated
/// @param contexts   the metadata contexts selected for `NBD_CMD_BLOCK_STATUS`, with their ids
/// @param geometry   size, block sizes and transmission flags as announced to the client
record Session(ExportRegistry.Lease lease, boolean structured, List<SelectedContext> contexts,
        ExportGeometry geometry) {

    /// A metadata context selected under `id`.
    record SelectedContext(int id, MetaContextProvider provider) {
    }

    NbdExport export() {
        return lease.export();
    }
}
