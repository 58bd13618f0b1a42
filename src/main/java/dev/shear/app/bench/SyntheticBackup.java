package dev.shear.app.bench;

import dev.shear.backup.ClusterMap;
import dev.shear.bitmap.ClusterBitmap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/// A stand-in for a running fleecing backup of a big disk, for the cluster-map benchmark: real
/// [ClusterBitmap]s changed all the time by two threads — a "copier" clearing 1 MiB of clusters to
/// copy in order about 4000 times a second (and their fleecing access bits, as discard-source
/// does) and a "guest" writing random clusters in bursts of 16 (each write to an uncopied cluster
/// marks copy-before-write done first) — together some 80 000 bitmap changes a second.
final class SyntheticBackup implements AutoCloseable {
    private final long length;
    private final ClusterBitmap toCopy;
    private final ClusterBitmap done;
    private final ClusterBitmap access;
    private final ClusterBitmap written;
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private volatile boolean closed;
    private final List<Thread> threads;

    SyntheticBackup(long clusters, int clusterSize) {
        this.length = clusters * clusterSize;
        toCopy = new ClusterBitmap(length, clusterSize);
        done = new ClusterBitmap(length, clusterSize);
        access = new ClusterBitmap(length, clusterSize);
        written = new ClusterBitmap(length, clusterSize);
        toCopy.setAll();
        access.setAll();
        threads = List.of(Thread.ofPlatform().daemon().name("bench-copier").start(this::copier),
                Thread.ofPlatform().daemon().name("bench-guest").start(this::guest));
    }

    private void copier() {
        long clusterSize = toCopy.granularity();
        while (!closed) {
            long c = cursor.getAndAdd(16) % toCopy.clusters();
            toCopy.reset(c * clusterSize, 16 * clusterSize);
            access.reset(c * clusterSize, 16 * clusterSize);
            updates.incrementAndGet();
            if (c + 16 >= toCopy.clusters()) {
                toCopy.setAll();
                access.setAll();
                done.clear();
                written.clear();
            }
            java.util.concurrent.locks.LockSupport.parkNanos(250_000);
        }
    }

    private void guest() {
        SplittableRandom r = new SplittableRandom(7);
        long clusterSize = toCopy.granularity();
        while (!closed) {
            long off = r.nextLong(toCopy.clusters()) * clusterSize;
            if (toCopy.isSetAt(off)) {
                done.set(off, clusterSize);
            }
            written.set(off, clusterSize);
            if (updates.incrementAndGet() % 16 == 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }

    /// A snapshot, as `BackupJob.clusterMap()` makes one.
    ClusterMap snapshot() {
        long c = cursor.get() % toCopy.clusters();
        long cs = toCopy.granularity();
        return new ClusterMap(length, toCopy.snapshot(), List.of(new long[] {c * cs, 16 * cs}), done.snapshot(),
                access.snapshot(), written.snapshot(), true);
    }

    long clusters() {
        return toCopy.clusters();
    }

    /// Bitmap changes made so far.
    long updates() {
        return updates.get();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
