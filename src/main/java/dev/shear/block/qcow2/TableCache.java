package dev.shear.block.qcow2;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/// A bounded least-recently-used cache of one-cluster metadata tables (L2 tables, refcount blocks),
/// keyed by their host offset.
///
/// The cache always equals the file: a writer, holding the node's write lock (so no reader looks),
/// changes a cached table in place, writes the changed range through at once and puts the old
/// entries back if that write fails; a new table is written before it is [#put]. Thread-safe: every
/// method holds the cache's monitor (misses read the file while holding it).
final class TableCache {
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final HostFile host;
    private final int clusterSize;
    private final int capacity;
    /// host offset → table; guarded by `this`; access-ordered, evicts beyond `capacity`.
    private final LinkedHashMap<Long, byte[]> tables;

    TableCache(HostFile host, int clusterSize, int capacity) {
        this.host = host;
        this.clusterSize = clusterSize;
        this.capacity = capacity;
        this.tables = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > TableCache.this.capacity;
            }
        };
    }

    /// The table at host offset `offset`, read from the file on a miss. Only a holder of the node's
    /// write lock may change it, as the class comment says.
    synchronized byte[] get(long offset) throws IOException {
        byte[] t = tables.get(offset);
        if (t == null) {
            t = new byte[clusterSize];
            host.read(offset, ByteBuffer.wrap(t));
            tables.put(offset, t);
        }
        return t;
    }

    /// Makes `table` (already written to the file) the cached copy of the table at `offset`.
    synchronized void put(long offset, byte[] table) {
        tables.put(offset, table);
    }

    /// Forgets the table at `offset` (its cluster was freed).
    synchronized void remove(long offset) {
        tables.remove(offset);
    }

    synchronized int size() {
        return tables.size();
    }

    /// Big-endian 64-bit entry `index` of a table.
    static long longAt(byte[] table, int index) {
        return (long) BE_LONG.get(table, index * 8);
    }

    static void setLong(byte[] table, int index, long value) {
        BE_LONG.set(table, index * 8, value);
    }
}
