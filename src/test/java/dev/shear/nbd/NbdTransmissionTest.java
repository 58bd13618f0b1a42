package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static dev.shear.nbd.RawNbdClient.metaRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.MemoryNode;
import dev.shear.block.NoSpaceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/// Commands and their replies, simple and structured, checked against the node behind them.
class NbdTransmissionTest extends ServerTestBase {
    private static final int K64 = 64 * 1024;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writeThenReadRoundTripsAndReachesTheNode(boolean structured) throws IOException {
        try (RawNbdClient c = client(structured)) {
            byte[] data = pattern(100_000, 7);
            assertThat(c.write(12_345, data, 0)).isZero();
            assertThat(c.read(12_345, data.length)).isEqualTo(data);
            assertThat(disk.inner.read(12_345, data.length)).isEqualTo(data);
            assertThat(c.read(0, 12_345)).containsOnly(0);
        }
    }

    @Test
    void structuredReadSendsHolesForZeroRunsAndDataForTheRest() throws IOException {
        disk.inner.write(0, pattern(K64, 1));
        disk.inner.write(2 * K64, pattern(K64, 2));
        try (RawNbdClient c = client(true)) {
            long cookie = c.request(0, CMD_READ, 0, 4 * K64, null);
            RawNbdClient.Structured s = c.readStructured(cookie, 0, 4 * K64);
            assertThat(s.types()).containsExactly(REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_OFFSET_HOLE,
                    REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_OFFSET_HOLE);
            assertThat(s.chunks().stream().filter(RawNbdClient.Chunk::done)).containsExactly(s.chunks().getLast());
            assertThat(s.data()).isEqualTo(disk.inner.read(0, 4 * K64));
            assertThat(s.chunks().get(1).buf().getLong()).isEqualTo(K64);
            assertThat(s.chunks().get(1).buf().position(8).getInt()).isEqualTo(K64);
        }
    }

    @Test
    void dontFragmentSendsOneContentChunk() throws IOException {
        disk.inner.write(K64, pattern(K64, 3));
        try (RawNbdClient c = client(true)) {
            long cookie = c.request(CMD_FLAG_DF, CMD_READ, 0, 3 * K64, null);
            RawNbdClient.Structured mixed = c.readStructured(cookie, 0, 3 * K64);
            assertThat(mixed.types()).containsExactly(REPLY_TYPE_OFFSET_DATA);
            assertThat(mixed.data()).isEqualTo(disk.inner.read(0, 3 * K64));
            cookie = c.request(CMD_FLAG_DF, CMD_READ, 2 * K64, 2 * K64, null);
            assertThat(c.readStructured(cookie, 2 * K64, 2 * K64).types()).containsExactly(REPLY_TYPE_OFFSET_HOLE);
        }
    }

    @Test
    void readsOfAnAlignedNodeStayAlignedEvenWhereItsHolesAreNot() throws IOException {
        TestNode aligned = new TestNode(MIB, 512);
        aligned.alignment = 4096;
        aligned.inner.write(512, pattern(512, 6));
        aligned.inner.write(3 * 4096, pattern(4096, 7));
        registry.add(NbdExport.of("aligned", aligned));
        try (RawNbdClient c = RawNbdClient.open(server, "aligned", true)) {
            RawNbdClient.Structured s = c.readStructured(c.request(0, CMD_READ, 0, 8 * 4096, null), 0, 8 * 4096);
            assertThat(s.error()).isZero();
            assertThat(s.types()).containsExactly(REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_OFFSET_HOLE,
                    REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_OFFSET_HOLE);
            assertThat(s.data()).isEqualTo(aligned.inner.read(0, 8 * 4096));
            long cookie = c.request(0, CMD_READ, 512, 4096, null);
            assertThat(c.readStructured(cookie, 512, 4096).error()).as("unaligned request").isEqualTo(EINVAL);
        }
    }

    @Test
    void dontFragmentWithoutStructuredRepliesIsInvalid() throws IOException {
        try (RawNbdClient c = client(false)) {
            c.request(CMD_FLAG_DF, CMD_READ, 0, 512, null);
            assertThat(c.readSimple().error()).isEqualTo(EINVAL);
            assertStillServes(c, 0);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void zeroLengthReadSucceedsWithoutData(boolean structured) throws IOException {
        try (RawNbdClient c = client(structured)) {
            long cookie = c.request(0, CMD_READ, 0, 0, null);
            if (structured) {
                RawNbdClient.Structured s = c.readStructured(cookie, 0, 0);
                assertThat(s.types()).containsExactly(REPLY_TYPE_NONE);
            } else {
                assertThat(c.readSimple().data()).isEmpty();
            }
        }
    }

    @Test
    void fuaWritesAreDurableOnReplyAndFlushFlushesTheNode() throws IOException {
        try (RawNbdClient c = client(true)) {
            assertThat(c.write(0, pattern(4096, 1), CMD_FLAG_FUA)).isZero();
            assertThat(disk.fuaWrites.get()).isEqualTo(1);
            assertThat(c.write(4096, pattern(4096, 2), 0)).isZero();
            assertThat(disk.fuaWrites.get()).isEqualTo(1);
            assertThat(c.command(CMD_FLUSH, 0, 0, 0)).isZero();
            assertThat(disk.flushes.get()).isEqualTo(1);
            assertThat(c.command(CMD_WRITE_ZEROES, CMD_FLAG_FUA, 0, 4096)).isZero();
            assertThat(disk.flushes.get()).isEqualTo(2);
            assertThat(c.command(CMD_FLUSH, 0, 1, 0)).as("flush with an offset").isEqualTo(EINVAL);
        }
    }

    @Test
    void trimDiscardsAndWriteZeroesUnmapsUnlessNoHole() throws IOException {
        disk.inner.write(0, pattern(4 * K64, 4));
        try (RawNbdClient c = client(true)) {
            assertThat(c.command(CMD_TRIM, 0, 0, K64)).isZero();
            assertThat(disk.discards.get()).isEqualTo(1);
            assertThat(disk.allocatedBytes()).isEqualTo(3 * K64);

            assertThat(c.command(CMD_WRITE_ZEROES, 0, K64, K64)).isZero();
            assertThat(c.command(CMD_WRITE_ZEROES, CMD_FLAG_NO_HOLE, 2 * K64, 1000)).isZero();
            assertThat(disk.zeroesWithUnmap.get()).isEqualTo(1);
            assertThat(disk.zeroesWithoutUnmap.get()).isEqualTo(1);
            assertThat(c.read(K64, K64 + 1000)).containsOnly(0);
            assertThat(c.read(2 * K64 + 1000, 100)).isEqualTo(Arrays.copyOfRange(pattern(4 * K64, 4),
                    2 * K64 + 1000, 2 * K64 + 1100));
            assertThat(c.command(CMD_WRITE_ZEROES, CMD_FLAG_FAST_ZERO, 0, K64)).as("fast zero not advertised")
                    .isEqualTo(EINVAL);
        }
    }

    @Test
    void cacheSucceedsAndChangesNothing() throws IOException {
        try (RawNbdClient c = client(false)) {
            assertThat(c.command(CMD_CACHE, 0, 0, MIB)).isZero();
            assertThat(disk.started.get()).isZero();
            assertThat(c.command(CMD_CACHE, 0, 4 * MIB, 1)).isEqualTo(EINVAL);
        }
    }

    @Test
    void commandFlagsACommandDoesNotTakeAreInvalid() throws IOException {
        try (RawNbdClient c = client(true)) {
            assertThat(c.command(CMD_TRIM, CMD_FLAG_REQ_ONE, 0, 4096)).isEqualTo(EINVAL);
            assertThat(c.write(0, new byte[512], CMD_FLAG_NO_HOLE)).isEqualTo(EINVAL);
            assertThat(disk.started.get()).isZero();
            assertStillServes(c, 0);
        }
    }

    private RawNbdClient blockStatusClient(String export, String... contexts) throws IOException {
        RawNbdClient c = RawNbdClient.connect(server);
        c.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        c.structuredReplies();
        RawNbdClient.contexts(c.option(OPT_SET_META_CONTEXT, metaRequest(export, contexts)));
        c.go(export);
        return c;
    }

    /// (length, flags) pairs of one block-status chunk.
    private static List<long[]> extents(RawNbdClient.Chunk chunk) {
        ByteBuffer b = chunk.buf().position(4);
        List<long[]> out = new ArrayList<>();
        while (b.hasRemaining()) {
            out.add(new long[] {b.getInt() & 0xFFFF_FFFFL, b.getInt()});
        }
        return out;
    }

    @Test
    void blockStatusReportsDataAndHolesFromTheNode() throws IOException {
        disk.inner.write(K64, pattern(2 * K64, 5));
        try (RawNbdClient c = blockStatusClient("disk", "base:allocation")) {
            long cookie = c.request(0, CMD_BLOCK_STATUS, 0, 4 * MIB, null);
            RawNbdClient.Structured s = c.readStructured(cookie, 0, 0);
            assertThat(s.types()).containsExactly(REPLY_TYPE_BLOCK_STATUS);
            assertThat(s.chunks().getFirst().buf().getInt()).as("context id").isEqualTo(1);
            assertThat(extents(s.chunks().getFirst())).containsExactly(
                    new long[] {K64, STATE_HOLE | STATE_ZERO}, new long[] {2 * K64, 0},
                    new long[] {4 * MIB - 3 * K64, STATE_HOLE | STATE_ZERO});

            cookie = c.request(CMD_FLAG_REQ_ONE, CMD_BLOCK_STATUS, K64 + 512, 4096, null);
            assertThat(extents(c.readStructured(cookie, 0, 0).chunks().getFirst()))
                    .containsExactly(new long[] {4096, 0});

            assertThat(c.command(CMD_BLOCK_STATUS, 0, 4 * MIB - 512, 1024)).isEqualTo(EINVAL);
            assertThat(c.command(CMD_BLOCK_STATUS, 0, 0, 0)).isEqualTo(EINVAL);
        }
    }

    @Test
    void blockStatusAnswersEverySelectedContextIncludingExtraProviders() throws IOException {
        DirtyBitmapContext dirty = new DirtyBitmapContext("shear:dirty-bitmap", K64, MIB);
        dirty.markDirty(3 * K64, 10);
        MemoryNode node = new MemoryNode(MIB);
        registry.add(new NbdExport("d", node, false, "", List.of(dirty)));
        try (RawNbdClient c = blockStatusClient("d", "base:allocation", "shear:dirty-bitmap")) {
            long cookie = c.request(0, CMD_BLOCK_STATUS, 0, MIB, null);
            RawNbdClient.Structured s = c.readStructured(cookie, 0, 0);
            assertThat(s.types()).containsExactly(REPLY_TYPE_BLOCK_STATUS, REPLY_TYPE_BLOCK_STATUS);
            Map<Integer, RawNbdClient.Chunk> byId = Map.of(s.chunks().get(0).buf().getInt(), s.chunks().get(0),
                    s.chunks().get(1).buf().getInt(), s.chunks().get(1));
            assertThat(extents(byId.get(1))).containsExactly(new long[] {MIB, STATE_HOLE | STATE_ZERO});
            assertThat(extents(byId.get(2))).containsExactly(new long[] {3 * K64, 0}, new long[] {K64, 1},
                    new long[] {MIB - 4 * K64, 0});
        }
    }

    @Test
    void aProviderBreakingItsContractGetsTheClientAnEioAndTheConnectionGoesOn() throws Exception {
        MetaContextProvider broken = new MetaContextProvider() {
            @Override
            public String name() {
                return "x-test:broken";
            }

            @Override
            public List<Extent> extents(long offset, long length, int maxRuns) {
                return List.of(new Extent(length + 1, 0));
            }
        };
        registry.add(new NbdExport("b", new MemoryNode(MIB), false, "", List.of(broken)));
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = blockStatusClient("b", "x-test:broken")) {
            RawNbdClient.Structured s = c.readStructured(c.request(0, CMD_BLOCK_STATUS, 0, 4096, null), 0, 0);
            assertThat(s.types()).containsExactly(REPLY_TYPE_ERROR);
            assertThat(s.error()).isEqualTo(EIO);
            assertThat(new String(s.chunks().getFirst().payload(), 6, s.chunks().getFirst().payload().length - 6))
                    .contains("x-test:broken");
            assertStillServes(c, 0);
            assertThat(logs.lines()).singleElement().asString().contains("x-test:broken");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void nodeFailuresMapToNbdErrorsAndTheConnectionGoesOn(boolean structured) throws IOException {
        try (RawNbdClient c = client(structured)) {
            disk.failure = new NoSpaceException("test: the fleecing storage is full");
            assertThat(c.write(0, new byte[512], 0)).isEqualTo(ENOSPC);
            disk.failure = new IOException("test: disk on fire");
            assertThat(c.command(CMD_TRIM, 0, 0, 512)).isEqualTo(EIO);
            long cookie = c.request(0, CMD_READ, 0, 512, null);
            int readError = structured ? c.readStructured(cookie, 0, 512).error() : c.readSimple().error();
            assertThat(readError).isEqualTo(EIO);
            disk.failure = new IllegalArgumentException("test: unaligned");
            assertThat(c.command(CMD_WRITE_ZEROES, 0, 0, 512)).isEqualTo(EINVAL);
            disk.failure = null;
            assertStillServes(c, 0);
        }
    }

    @Test
    void aReadFailingAfterTheStructuredReplyBeganEndsWithAnErrorAtItsOffset() throws IOException {
        disk.inner.write(0, pattern(K64, 1));
        try (RawNbdClient c = client(true)) {
            disk.failure = new IOException("test: bad sector");
            // block status fails too, so the whole read fails up front with a generic error
            RawNbdClient.Structured s = c.readStructured(c.request(0, CMD_READ, 0, K64, null), 0, K64);
            assertThat(s.types()).containsExactly(REPLY_TYPE_ERROR);
            assertThat(s.error()).isEqualTo(EIO);
        }
        // data reads fail but the allocation is known: the hole goes out, then an error at the data's offset
        disk.failure = null;
        disk.readFailure = new IOException("test: bad sector");
        try (RawNbdClient c = client(true)) {
            disk.inner.discard(0, K64);
            disk.inner.write(K64, pattern(K64, 2));
            RawNbdClient.Structured s = c.readStructured(c.request(0, CMD_READ, 0, 2 * K64, null), 0, 2 * K64);
            assertThat(s.types()).containsExactly(REPLY_TYPE_OFFSET_HOLE, REPLY_TYPE_ERROR_OFFSET);
            ByteBuffer err = s.chunks().getLast().buf();
            assertThat(err.getInt()).isEqualTo(EIO);
            int msgLen = err.getShort();
            assertThat(new String(s.chunks().getLast().payload(), 6, msgLen)).contains("bad sector");
            assertThat(err.position(6 + msgLen).getLong()).isEqualTo(K64);
        }
    }

    @Test
    void readOnlyExportsRefuseWritesWithEpermAndStayUnchanged() throws IOException {
        ro.inner.write(0, pattern(4096, 9));
        try (RawNbdClient c = RawNbdClient.open(server, "ro", true)) {
            assertThat(c.write(0, new byte[4096], 0)).isEqualTo(EPERM);
            assertThat(c.command(CMD_TRIM, 0, 0, 4096)).isEqualTo(EPERM);
            assertThat(c.command(CMD_WRITE_ZEROES, 0, 0, 4096)).isEqualTo(EPERM);
            assertThat(c.read(0, 4096)).isEqualTo(pattern(4096, 9));
            assertThat(c.command(CMD_FLUSH, 0, 0, 0)).isZero();
        }
        assertThat(ro.inner.read(0, 4096)).isEqualTo(pattern(4096, 9));
    }

    @Test
    void requestsRunConcurrentlyAndRepliesMayOvertakeEachOther() throws Exception {
        try (RawNbdClient c = client(true)) {
            CountDownLatch gate = new CountDownLatch(1);
            disk.gate = gate;
            long slow = c.request(0, CMD_WRITE, 0, 4096, pattern(4096, 1));
            await(() -> disk.active.get() == 1, "the write waits at the gate");
            disk.gate = null; // requests arriving from now on pass
            long fast = c.request(0, CMD_WRITE, K64, 4096, pattern(4096, 2));
            RawNbdClient.Reply first = c.readReply();
            assertThat(first.cookie()).as("the second write overtakes the held one").isEqualTo(fast);
            gate.countDown();
            assertThat(c.readReply().cookie()).isEqualTo(slow);
            assertThat(c.read(0, 4096)).isEqualTo(pattern(4096, 1));
        }
    }

    @Test
    void aLoneRequestRunsOnTheThreadThatReadItAndAHeldOneHandsTheReadingOver() throws Exception {
        // decision 0016: no hand-over for a request that comes alone; one that holds the reading
        // thread past InlineRunner.HAND_OFF_AFTER does not hold up the connection
        try (RawNbdClient c = client(true)) {
            assertThat(c.write(0, pattern(4096, 1), 0)).isZero();
            assertThat(disk.lastThread.getName()).as("a lone write runs on the connection's thread").startsWith("nbd #");
            CountDownLatch gate = new CountDownLatch(1);
            disk.gate = gate;
            long held = c.request(0, CMD_WRITE, 0, 4096, pattern(4096, 2));
            await(() -> disk.active.get() == 1, "the lone write waits at the gate");
            Thread reader = disk.lastThread;
            assertThat(reader.getName()).startsWith("nbd #");
            disk.gate = null;
            long next = c.request(0, CMD_WRITE, K64, 4096, pattern(4096, 3));
            RawNbdClient.Reply first = c.readReply();
            assertThat(first.cookie()).as("the write behind the held one is read and answered").isEqualTo(next);
            assertThat(disk.lastThread.getName()).as("with another in flight it runs on the request pool")
                    .matches("shear-io-\\d+");
            assertThat(gate.getCount()).isOne();
            gate.countDown();
            assertThat(c.readReply().cookie()).isEqualTo(held);
            assertStillServes(c, 2 * K64);
            assertThat(disk.lastThread).as("another thread reads (and runs lone requests) now").isNotSameAs(reader);
            assertThat(disk.lastThread.getName()).startsWith("nbd #");
        }
        await(() -> server.connections() == 0, "the connection ends after the hand-over");
    }

    @Test
    void requestsHoldingTheirThreadInTheNodeDoNotHoldUpOthers() throws Exception {
        // a request in a slow system call keeps its thread; on virtual threads (as many carriers as
        // cores) a few of them stalled every request of the server (IoThreads)
        int holders = Runtime.getRuntime().availableProcessors() + 1;
        disk.spinSlots.set(holders);
        disk.spinning = true;
        Thread release = Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(10_000);       // without this a failing test would spin forever
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            disk.spinning = false;
        });
        try (RawNbdClient c = client(true)) {
            for (int i = 0; i < holders; i++) {
                c.request(0, CMD_WRITE, (long) i * K64, 4096, pattern(4096, i));
            }
            await(() -> disk.active.get() == holders, "every holder is in the node");
            long next = c.request(0, CMD_WRITE, 60L * K64, 4096, pattern(4096, 99));
            RawNbdClient.Reply r = c.readReply();
            boolean stillHolding = disk.spinning;
            assertThat(r.cookie()).isEqualTo(next);
            assertThat(((RawNbdClient.Simple) r).error()).isZero();
            assertThat(stillHolding).as("the request behind the holders was answered while they held").isTrue();
        } finally {
            disk.spinning = false;
            release.interrupt();
        }
    }

    @Test
    void manyClientsWriteAndReadAtOnce() throws Exception {
        int clients = 8;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try (RawNbdClient c = client(id % 2 == 0)) {
                    for (int k = 0; k < 20; k++) {
                        long off = (long) id * (4 * MIB / clients) + k * 8192L;
                        byte[] data = pattern(8192, id * 1000L + k);
                        assertThat(c.write(off, data, 0)).isZero();
                        assertThat(c.read(off, 8192)).isEqualTo(data);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    /// Random writes, zeroes, trims and reads through the server agree with a byte-array oracle.
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234})
    void randomOperationsAgreeWithAnOracle(long seed) throws IOException {
        Random rnd = new Random(seed);
        byte[] oracle = new byte[4 * MIB];
        try (RawNbdClient c = client(rnd.nextBoolean())) {
            for (int i = 0; i < 60; i++) {
                int off = rnd.nextInt(oracle.length - 1);
                int len = 1 + rnd.nextInt(Math.min(oracle.length - off, 300_000));
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        byte[] d = pattern(len, rnd.nextLong());
                        assertThat(c.write(off, d, rnd.nextBoolean() ? CMD_FLAG_FUA : 0)).as("seed %d", seed).isZero();
                        System.arraycopy(d, 0, oracle, off, len);
                    }
                    case 1 -> {
                        assertThat(c.command(CMD_WRITE_ZEROES, 0, off, len)).as("seed %d", seed).isZero();
                        Arrays.fill(oracle, off, off + len, (byte) 0);
                    }
                    case 2 -> {
                        // MemoryNode's discard zeroes; the oracle follows that node's behaviour
                        assertThat(c.command(CMD_TRIM, 0, off, len)).as("seed %d", seed).isZero();
                        Arrays.fill(oracle, off, off + len, (byte) 0);
                    }
                    default -> assertThat(c.read(off, len)).as("seed %d read %d+%d", seed, off, len)
                            .isEqualTo(Arrays.copyOfRange(oracle, off, off + len));
                }
            }
            assertThat(c.read(0, oracle.length)).as("seed %d whole disk", seed).isEqualTo(oracle);
        }
    }
}
