package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.BASE_ALLOCATION;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/// The metadata contexts of an export and how queries select them.
///
/// Query syntax (documented as the protocol asks):
/// * `NBD_OPT_LIST_META_CONTEXT`: no query lists every context; a query ending in `:` (a
///   namespace such as `base:` or `shear:`, or any longer prefix ending in a colon) lists every
///   context whose name starts with it; any other query lists the context of exactly that name.
/// * `NBD_OPT_SET_META_CONTEXT`: only exact names select; anything else is ignored.
/// * A query without a colon is `NBD_REP_ERR_INVALID`; unknown names are ignored.
final class MetaContexts {
    private MetaContexts() {
    }

    /// The option data of a LIST or SET request.
    record Request(String exportName, List<String> queries) {
    }

    static Request parse(int option, byte[] data) throws OptionRefused {
        OptionData d = new OptionData(option, data);
        String name = d.string(d.uint32("export name length"), "export name");
        long count = d.uint32("number of queries");
        List<String> queries = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            String q = d.string(d.uint32("length of query " + i), "query " + i);
            if (q.indexOf(':') <= 0) {
                throw new OptionRefused(NbdProtocol.REP_ERR_INVALID, NbdProtocol.optionName(option)
                        + ": query '" + q + "' has no namespace (expected namespace:leaf)");
            }
            queries.add(q);
        }
        d.end();
        return new Request(name, queries);
    }

    /// Every context name `export` offers, base:allocation first.
    static List<String> names(NbdExport export) {
        List<String> all = new ArrayList<>();
        all.add(BASE_ALLOCATION);
        export.metaContexts().forEach(p -> all.add(p.name()));
        return all;
    }

    /// What `NBD_OPT_LIST_META_CONTEXT` answers for `queries`.
    static List<String> list(NbdExport export, List<String> queries) {
        List<String> all = names(export);
        if (queries.isEmpty()) {
            return all;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String q : queries) {
            for (String n : all) {
                if (q.endsWith(":") ? n.startsWith(q) : n.equals(q)) {
                    out.add(n);
                }
            }
        }
        return List.copyOf(out);
    }

    /// What `NBD_OPT_SET_META_CONTEXT` selects for `queries`, in query order without repeats.
    static List<String> select(NbdExport export, List<String> queries) {
        List<String> all = names(export);
        Set<String> out = new LinkedHashSet<>();
        for (String q : queries) {
            if (all.contains(q)) {
                out.add(q);
            }
        }
        return List.copyOf(out);
    }

    /// The provider of context `name` on `export`.
    static Optional<MetaContextProvider> provider(NbdExport export, String name) {
        if (name.equals(BASE_ALLOCATION)) {
            return Optional.of(new AllocationContext(export.node()));
        }
        return export.metaContexts().stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
