package dev.shear.nbd;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/// Answers `NBD_CMD_BLOCK_STATUS` (already validated): one `NBD_REPLY_TYPE_BLOCK_STATUS` chunk
/// per selected context, the last flagged done. Each chunk has at most [#MAX_EXTENTS] extents
/// (one under `NBD_CMD_FLAG_REQ_ONE`), never reaching past the requested range; clients ask
/// again for the rest. A provider's answer is checked and adjacent equal extents are merged.
final class BlockStatusCommand {
    /// Extents per chunk without REQ_ONE (the protocol suggests at most 2^20).
    static final int MAX_EXTENTS = 1 << 14;

    private final List<Session.SelectedContext> contexts;
    private final ReplyWriter out;

    BlockStatusCommand(List<Session.SelectedContext> contexts, ReplyWriter out) {
        this.contexts = contexts;
        this.out = out;
    }

    void reply(Request r) throws IOException {
        int maxRuns = (r.flags() & NbdProtocol.CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_EXTENTS;
        List<List<MetaContextProvider.Extent>> answers = new ArrayList<>();
        for (Session.SelectedContext c : contexts) {
            MetaContextProvider p = c.provider();
            answers.add(checked(p, p.extents(r.offset(), r.length(), maxRuns), r.length(), maxRuns));
        }
        for (int i = 0; i < contexts.size(); i++) {
            out.blockStatus(r.cookie(), contexts.get(i).id(), answers.get(i), i == contexts.size() - 1);
        }
    }

    /// `raw` merged, after checking it keeps the [MetaContextProvider] contract.
    static List<MetaContextProvider.Extent> checked(MetaContextProvider p, List<MetaContextProvider.Extent> raw,
            long length, int maxRuns) throws IOException {
        if (raw == null || raw.isEmpty()) {
            throw new IOException("meta context " + p.name() + " answered no extent");
        }
        List<MetaContextProvider.Extent> out = new ArrayList<>();
        long total = 0;
        for (MetaContextProvider.Extent e : raw) {
            if (e.length() > length - total) {
                throw new IOException("meta context " + p.name() + " answered extents reaching past the "
                        + length + " bytes asked for");
            }
            total += e.length();
            if (!out.isEmpty() && out.getLast().flags() == e.flags()) {
                out.set(out.size() - 1, new MetaContextProvider.Extent(out.getLast().length() + e.length(), e.flags()));
            } else {
                out.add(e);
            }
        }
        if (out.size() > maxRuns) {
            throw new IOException("meta context " + p.name() + " answered " + out.size()
                    + " distinct extents where at most " + maxRuns + " were asked for");
        }
        return out;
    }
}
