package dev.shear.nbd;

import dev.shear.block.BlockNode;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/// What the NBD server offers under one name: a [BlockNode], whether clients may write it, a
/// description shown by `nbdinfo --list`, and extra metadata contexts beside `base:allocation`.
///
/// The server never closes the node; whoever added the export closes it after
/// [ExportRegistry#remove] has returned.
///
/// @param name         the export name clients ask for (`nbd://host/NAME`); "" is the default export
/// @param node         the node served
/// @param readOnly     true to refuse writes, trims and write-zeroes with `EPERM`
/// @param description  free text for humans ("" for none)
/// @param metaContexts extra contexts for `NBD_CMD_BLOCK_STATUS`, with distinct names
public record NbdExport(String name, BlockNode node, boolean readOnly, String description,
        List<MetaContextProvider> metaContexts) {

    public NbdExport {
        Objects.requireNonNull(name, "export name");
        Objects.requireNonNull(node, "node of export '" + name + "'");
        Objects.requireNonNull(description, "description of export '" + name + "'");
        Strings.checkWireString("export name", name);
        Strings.checkWireString("description of export '" + name + "'", description);
        metaContexts = List.copyOf(metaContexts);
        Set<String> seen = new HashSet<>();
        for (MetaContextProvider p : metaContexts) {
            String n = MetaContextProvider.checkName(p.name());
            if (!seen.add(n)) {
                throw new IllegalArgumentException("export '" + name + "' has two meta contexts named '" + n + "'");
            }
        }
    }

    /// An export without extra metadata contexts.
    public NbdExport(String name, BlockNode node, boolean readOnly, String description) {
        this(name, node, readOnly, description, List.of());
    }

    /// A writable export without description or extra contexts.
    public static NbdExport of(String name, BlockNode node) {
        return new NbdExport(name, node, false, "");
    }
}
