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
/// Tables in the cache are never modified: a writer copies a table ([#copyOf]), changes the copy,
/// writes it through to the file and only then [#put]s it, so the cache always equals the file and a
/// failed write leaves both as they were. Thread-safe: every method holds the cache's monitor
/// (misses read the file while holding it).
final class TableCache {
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final HostFile host;
    private final int clusterSize;
    private final int capacity;
    /// host offset → table; guarded by `this`; access-ordered, evicts beyond `capacity`.
    private final LinkedHashMap<Long, byte[]> tables;
    /// Tables read from the file (misses); guarded by `this`.
    private long loads;

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

    /// The table at host offset `offset`, read from the file on a miss. Callers must not modify it.
    synchronized byte[] get(long offset) throws IOException {
        byte[] t = tables.get(offset);
        if (t == null) {
            t = new byte[clusterSize];
            host.read(offset, ByteBuffer.wrap(t));
            loads++;
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

    synchronized long loads() {
        return loads;
    }

    int capacity() {
        return capacity;
    }

    /// A modifiable copy of the table at `offset`.
    byte[] copyOf(long offset) throws IOException {
        return get(offset).clone();
    }

    /// Big-endian 64-bit entry `index` of a table.
    static long longAt(byte[] table, int index) {
        return (long) BE_LONG.get(table, index * 8);
    }

    static void setLong(byte[] table, int index, long value) {
        BE_LONG.set(table, index * 8, value);
    }
}
