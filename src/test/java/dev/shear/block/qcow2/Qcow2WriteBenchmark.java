package dev.shear.block.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/// A command, not a test: sequential 1 MiB writes of 1 GiB (by default) into a new qcow2 image
/// versus the same writes into a raw file through a `FileChannel`, each followed by one fsync.
/// Prints the speed of the writes alone (into the page cache) and including the final fsync; the
/// best of several rounds counts, as the machine is shared.
///
/// ```
/// mvn -q -o test-compile
/// java --enable-native-access=ALL-UNNAMED -cp target/classes:target/test-classes \
///     dev.shear.block.qcow2.Qcow2WriteBenchmark [dir] [MiB] [rounds] [clusterSize]
/// ```
public final class Qcow2WriteBenchmark {
    private Qcow2WriteBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int clusterSize = args.length > 3 ? Integer.parseInt(args[3]) : 64 * 1024;
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        double[] bestRaw = new double[2];
        double[] bestQcow2 = new double[2];
        for (int r = 0; r < rounds; r++) {
            boolean rawFirst = r % 2 == 0;   // alternate, so neither always runs on a busier disk
            double[] raw = rawFirst ? raw(dir.resolve("bench.raw"), data, mib) : null;
            double[] qcow2 = qcow2(dir.resolve("bench.qcow2"), data, mib, clusterSize);
            raw = rawFirst ? raw : raw(dir.resolve("bench.raw"), data, mib);
            System.out.printf("round %d: writes raw %.0f, qcow2 %.0f MiB/s (%.2f×); with fsync raw %.0f, qcow2 %.0f MiB/s (%.2f×)%n",
                    r + 1, raw[0], qcow2[0], qcow2[0] / raw[0], raw[1], qcow2[1], qcow2[1] / raw[1]);
            for (int i = 0; i < 2; i++) {
                bestRaw[i] = Math.max(bestRaw[i], raw[i]);
                bestQcow2[i] = Math.max(bestQcow2[i], qcow2[i]);
            }
        }
        System.out.printf("best: writes raw %.0f, qcow2 %.0f MiB/s (%.2f×); with fsync raw %.0f, qcow2 %.0f MiB/s (%.2f×)%n",
                bestRaw[0], bestQcow2[0], bestQcow2[0] / bestRaw[0], bestRaw[1], bestQcow2[1], bestQcow2[1] / bestRaw[1]);
    }

    /// {MiB/s of the writes, MiB/s including the fsync}
    private static double[] speeds(int mib, long t0, long written, long synced) {
        return new double[] {mib / ((written - t0) / 1e9), mib / ((synced - t0) / 1e9)};
    }

    private static double[] raw(Path file, byte[] data, int mib) throws IOException {
        Files.deleteIfExists(file);
        long t0 = System.nanoTime();
        long written;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long i = 0; i < mib; i++) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b, (i << 20) + b.position());
                }
            }
            written = System.nanoTime();
            ch.force(true);
        }
        double[] out = speeds(mib, t0, written, System.nanoTime());
        Files.delete(file);
        return out;
    }

    private static double[] qcow2(Path file, byte[] data, int mib, int clusterSize) throws IOException {
        Files.deleteIfExists(file);
        long t0 = System.nanoTime();
        long written;
        try (Qcow2Node n = Qcow2Node.create(file, Qcow2Options.of((long) mib << 20).withClusterSize(clusterSize))) {
            for (long i = 0; i < mib; i++) {
                n.write(i << 20, ByteBuffer.wrap(data), false);
            }
            written = System.nanoTime();
            n.flush();
        }
        double[] out = speeds(mib, t0, written, System.nanoTime());
        Files.delete(file);
        return out;
    }
}
