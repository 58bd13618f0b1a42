package dev.shear.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/// Many threads sharing one [NbdClientNode], each doing seeded random I/O on its own region and
/// checking every read against an oracle of that region.
final class ClientWorkload {
    private ClientWorkload() {
    }

    /// Runs `threads` virtual threads of [#exercise] on equal disjoint regions covering `n`
    /// (thread `t` uses seed `seed + t`), and returns what each region must hold.
    static List<byte[]> concurrently(NbdClientNode n, int threads, long seed) throws Exception {
        int region = (int) (n.size() / threads);
        List<CompletableFuture<byte[]>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = (long) t * region;
            long s = seed + t;
            runs.add(CompletableFuture.supplyAsync(() -> exercise(n, base, region, s), r -> Thread.ofVirtual().start(r)));
        }
        List<byte[]> oracles = new ArrayList<>();
        for (CompletableFuture<byte[]> f : runs) {
            oracles.add(f.get(60, TimeUnit.SECONDS));
        }
        return oracles;
    }

    /// 150 random writes (a quarter with FUA), write-zeroes and checked reads of 1 byte to 160 KiB
    /// inside `[base, base+size)`; returns what the region must hold.
    static byte[] exercise(NbdClientNode n, long base, int size, long seed) {
        Random r = new Random(seed);
        byte[] oracle = new byte[size];
        try {
            for (int op = 0; op < 150; op++) {
                int off = r.nextInt(size);
                int len = 1 + r.nextInt(Math.min(size - off, 160 * 1024));
                switch (r.nextInt(5)) {
                    case 0, 1 -> {
                        byte[] d = ServerTestBase.pattern(len, r.nextLong());
                        n.write(base + off, ByteBuffer.wrap(d), r.nextInt(4) == 0);
                        System.arraycopy(d, 0, oracle, off, len);
                    }
                    case 2 -> {
                        n.writeZeroes(base + off, len, r.nextBoolean());
                        Arrays.fill(oracle, off, off + len, (byte) 0);
                    }
                    default -> assertThat(n.read(base + off, len)).as("seed %d op %d read %d+%d", seed, op, off, len)
                            .isEqualTo(Arrays.copyOfRange(oracle, off, off + len));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
        }
        return oracle;
    }
}
