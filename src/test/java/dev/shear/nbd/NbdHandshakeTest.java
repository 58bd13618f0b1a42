package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static dev.shear.nbd.RawNbdClient.infoRequest;
import static dev.shear.nbd.RawNbdClient.last;
import static dev.shear.nbd.RawNbdClient.metaRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.block.MemoryNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/// Option haggling, byte by byte, with the raw client.
class NbdHandshakeTest extends ServerTestBase {

    private RawNbdClient greeted() throws IOException {
        RawNbdClient c = RawNbdClient.connect(server);
        c.greet(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES);
        return c;
    }

    private static ByteBuffer info(List<RawNbdClient.OptionReply> replies, int type) {
        return replies.stream().filter(r -> r.type() == REP_INFO)
                .map(r -> ByteBuffer.wrap(r.data())).filter(b -> b.getShort(0) == type)
                .findFirst().orElseThrow(() -> new AssertionError("no NBD_INFO " + type + " in " + replies))
                .position(2);
    }

    @Test
    void greetingAdvertisesFixedNewstyleAndNoZeroes() throws IOException {
        try (RawNbdClient c = RawNbdClient.connect(server)) {
            c.greet(FLAG_C_FIXED_NEWSTYLE);
            assertThat(c.handshakeFlags).isEqualTo(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
        }
    }

    @Test
    void listNamesEveryExportWithItsDescription() throws IOException {
        try (RawNbdClient c = greeted()) {
            List<RawNbdClient.OptionReply> r = c.option(OPT_LIST, new byte[0]);
            assertThat(last(r)).isEqualTo(REP_ACK);
            assertThat(r.subList(0, 2)).allMatch(x -> x.type() == REP_SERVER);
            ByteBuffer first = ByteBuffer.wrap(r.get(0).data());
            int len = first.getInt();
            assertThat(new String(r.get(0).data(), 4, len, StandardCharsets.UTF_8)).isEqualTo("disk");
            assertThat(new String(r.get(0).data(), 4 + len, r.get(0).data().length - 4 - len, StandardCharsets.UTF_8))
                    .isEqualTo("a writable test disk");
            assertThat(new String(r.get(1).data(), 4, r.get(1).data().length - 4, StandardCharsets.UTF_8)).isEqualTo("ro");
            assertThat(last(c.option(OPT_LIST, new byte[] {1}))).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void infoReportsSizeFlagsNameDescriptionAndBlockSizes() throws IOException {
        try (RawNbdClient c = greeted()) {
            var r = c.option(OPT_INFO, infoRequest("disk", INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE));
            assertThat(last(r)).isEqualTo(REP_ACK);
            ByteBuffer e = info(r, INFO_EXPORT);
            assertThat(e.getLong()).isEqualTo(4 * MIB);
            int flags = e.getShort() & 0xFFFF;
            assertThat(flags).isEqualTo(FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_TRIM
                    | FLAG_SEND_WRITE_ZEROES | FLAG_CAN_MULTI_CONN | FLAG_SEND_CACHE);
            assertThat(StandardCharsets.UTF_8.decode(info(r, INFO_NAME)).toString()).isEqualTo("disk");
            assertThat(StandardCharsets.UTF_8.decode(info(r, INFO_DESCRIPTION)).toString()).isEqualTo("a writable test disk");
            ByteBuffer bs = info(r, INFO_BLOCK_SIZE);
            assertThat(List.of(bs.getInt(), bs.getInt(), bs.getInt())).containsExactly(1, 64 * 1024, 32 * MIB);

            c.structuredReplies();
            var ro = c.option(OPT_INFO, infoRequest("ro"));
            int roFlags = info(ro, INFO_EXPORT).position(10).getShort() & 0xFFFF;
            assertThat(roFlags).isEqualTo(FLAG_HAS_FLAGS | FLAG_READ_ONLY | FLAG_SEND_FLUSH | FLAG_SEND_FUA
                    | FLAG_SEND_DF | FLAG_CAN_MULTI_CONN | FLAG_SEND_CACHE);
            // INFO leaves the session in negotiation: GO still works
            c.go("disk");
            assertThat(c.export.flags() & FLAG_SEND_DF).isEqualTo(FLAG_SEND_DF);
        }
    }

    @Test
    void blockSizesFollowTheNodesAlignmentAndClusterSize() throws IOException {
        TestNode aligned = new TestNode(MIB);
        aligned.alignment = 4096;
        registry.add(NbdExport.of("aligned", aligned));
        registry.add(NbdExport.of("small-clusters", new MemoryNode("s", MIB, 512)));
        try (RawNbdClient c = greeted()) {
            ByteBuffer a = info(c.option(OPT_INFO, infoRequest("aligned", INFO_BLOCK_SIZE)), INFO_BLOCK_SIZE);
            assertThat(List.of(a.getInt(), a.getInt())).containsExactly(4096, 64 * 1024);
            ByteBuffer s = info(c.option(OPT_INFO, infoRequest("small-clusters", INFO_BLOCK_SIZE)), INFO_BLOCK_SIZE);
            assertThat(List.of(s.getInt(), s.getInt())).containsExactly(1, 4096);
        }
    }

    @Test
    void goToAnUnknownExportIsAnErrorAndTheSessionGoesOn() throws IOException {
        try (RawNbdClient c = greeted()) {
            var r = c.option(OPT_GO, infoRequest("nope"));
            assertThat(r).hasSize(1);
            assertThat(r.getFirst().type()).isEqualTo(REP_ERR_UNKNOWN);
            assertThat(r.getFirst().text()).contains("'nope'").contains("'disk'");
            c.go("disk");
            assertStillServes(c, 0);
        }
    }

    @Test
    void malformedGoDataIsInvalid() throws IOException {
        try (RawNbdClient c = greeted()) {
            byte[] bad = ByteBuffer.allocate(8).putInt(100).putInt(0).array(); // name longer than the data
            var r = c.option(OPT_GO, bad);
            assertThat(last(r)).isEqualTo(REP_ERR_INVALID);
            assertThat(r.getLast().text()).contains("export name");
            byte[] notUtf8 = ByteBuffer.allocate(8).putInt(2).put((byte) 0xC3).put((byte) 0x28).putShort((short) 0).array();
            assertThat(last(c.option(OPT_GO, notUtf8))).isEqualTo(REP_ERR_INVALID);
            c.go("disk");
        }
    }

    @Test
    void exportNameWithNoZeroesSendsTenBytesAndWithoutSendsTheZeroPadding() throws IOException {
        try (RawNbdClient c = greeted()) {
            c.sendOption(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.wrap(c.readN(10));
            assertThat(b.getLong()).isEqualTo(4 * MIB);
            assertThat(b.getShort() & FLAG_HAS_FLAGS).isEqualTo(FLAG_HAS_FLAGS);
            assertStillServes(c, 0); // a padding byte would have shifted the first reply
        }
        try (RawNbdClient c = RawNbdClient.connect(server)) {
            c.greet(FLAG_C_FIXED_NEWSTYLE);
            c.sendOption(OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
            byte[] reply = c.readN(134);
            assertThat(ByteBuffer.wrap(reply).getLong()).isEqualTo(4 * MIB);
            for (int i = 10; i < 134; i++) {
                assertThat(reply[i]).isZero();
            }
            assertStillServes(c, 4096);
        }
    }

    @Test
    void exportNameOfAnUnknownExportClosesTheConnectionWithOneLogLine() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = greeted(); RawNbdClient good = client(true)) {
            c.sendOption(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
            assertThat(c.closedByServer()).isTrue();
            assertStillServes(good, 0);
            assertThat(logs.lines()).singleElement().asString().contains("'nope'");
        }
    }

    @Test
    void unknownOptionIsUnsupportedAndTheSessionGoesOn() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = greeted()) {
            var r = c.option(42, new byte[] {1, 2, 3});
            assertThat(r).singleElement().extracting(RawNbdClient.OptionReply::type).isEqualTo(REP_ERR_UNSUP);
            assertThat(last(c.option(11, new byte[0]))).as("extended headers").isEqualTo(REP_ERR_UNSUP);
            c.go("disk");
            assertStillServes(c, 0);
            assertThat(logs.lines()).hasSize(2).first().asString().contains("option 42");
        }
    }

    @Test
    void startTlsIsRefusedByPolicyAndTheSessionGoesOn() throws IOException {
        try (RawNbdClient c = greeted()) {
            var r = c.option(OPT_STARTTLS, new byte[0]);
            assertThat(r).singleElement().extracting(RawNbdClient.OptionReply::type).isEqualTo(REP_ERR_POLICY);
            c.structuredReplies();
            c.go("disk");
            assertStillServes(c, 0);
        }
    }

    @Test
    void abortIsAcknowledgedThenTheServerCloses() throws Exception {
        try (RawNbdClient c = greeted()) {
            assertThat(last(c.option(OPT_ABORT, new byte[0]))).isEqualTo(REP_ACK);
            assertThat(c.closedByServer()).isTrue();
        }
        await(() -> server.connections() == 0, "the aborted connection is gone");
    }

    @Test
    void unknownClientFlagsCloseTheConnection() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = RawNbdClient.connect(server);
                RawNbdClient good = client(false)) {
            c.greet(FLAG_C_FIXED_NEWSTYLE | 0x100);
            assertThat(c.closedByServer()).isTrue();
            assertStillServes(good, 0);
            assertThat(logs.lines()).singleElement().asString().contains("client flags 0x101");
        }
    }

    @Test
    void wrongOptionMagicClosesTheConnection() throws Exception {
        try (LogCapture logs = LogCapture.start(); RawNbdClient c = greeted()) {
            c.send(ByteBuffer.allocate(16).putLong(0x1122334455667788L).putInt(OPT_LIST).putInt(0).flip());
            assertThat(c.closedByServer()).isTrue();
            assertThat(logs.lines()).singleElement().asString().contains("0x1122334455667788");
        }
    }

    @Test
    void oversizedOptionDataIsSkippedAndRefused() throws IOException {
        try (RawNbdClient c = greeted()) {
            var r = c.option(OPT_GO, new byte[Handshake.MAX_OPTION_DATA + 1]);
            assertThat(r).singleElement().extracting(RawNbdClient.OptionReply::type).isEqualTo(REP_ERR_TOO_BIG);
            assertThat(last(c.option(99, new byte[Handshake.MAX_OPTION_DATA + 10]))).isEqualTo(REP_ERR_UNSUP);
            c.go("disk");
            assertStillServes(c, 0);
        }
        try (RawNbdClient c = greeted()) {
            c.sendOption(OPT_EXPORT_NAME, new byte[Handshake.MAX_OPTION_DATA + 1]);
            assertThat(c.closedByServer()).as("EXPORT_NAME has no error reply").isTrue();
        }
    }

    @Test
    void structuredReplyWithDataIsInvalid() throws IOException {
        try (RawNbdClient c = greeted()) {
            assertThat(last(c.option(OPT_STRUCTURED_REPLY, new byte[] {0}))).isEqualTo(REP_ERR_INVALID);
            c.go("disk");
            assertThat(c.export.flags() & FLAG_SEND_DF).as("DF only with structured replies").isZero();
        }
    }

    private void addDirtyExport() {
        registry.add(new NbdExport("dirty", new MemoryNode(MIB), false, "",
                List.of(new DirtyBitmapContext("shear:dirty-bitmap", 64 * 1024, MIB))));
    }

    @Test
    void listMetaContextOffersBaseAllocationAndExtraContexts() throws IOException {
        addDirtyExport();
        try (RawNbdClient c = greeted()) {
            c.structuredReplies();
            assertThat(RawNbdClient.contexts(c.option(OPT_LIST_META_CONTEXT, metaRequest("dirty"))).keySet())
                    .containsExactly("base:allocation", "shear:dirty-bitmap");
            assertThat(RawNbdClient.contexts(c.option(OPT_LIST_META_CONTEXT, metaRequest("dirty", "shear:"))).keySet())
                    .containsExactly("shear:dirty-bitmap");
            assertThat(RawNbdClient.contexts(c.option(OPT_LIST_META_CONTEXT, metaRequest("dirty", "base:"))))
                    .containsExactly(Map.entry("base:allocation", 0));
            assertThat(RawNbdClient.contexts(c.option(OPT_LIST_META_CONTEXT, metaRequest("disk", "qemu:", "x-y:z"))))
                    .isEmpty();
        }
    }

    @Test
    void setMetaContextSelectsExactNamesWithDistinctIds() throws IOException {
        addDirtyExport();
        try (RawNbdClient c = greeted()) {
            c.structuredReplies();
            Map<String, Integer> ids = RawNbdClient.contexts(c.option(OPT_SET_META_CONTEXT,
                    metaRequest("dirty", "shear:dirty-bitmap", "base:", "base:allocation", "base:nonsense")));
            assertThat(ids.keySet()).containsExactly("shear:dirty-bitmap", "base:allocation");
            assertThat(ids.values()).doesNotHaveDuplicates().doesNotContain(0);
        }
    }

    @Test
    void metaContextOptionsRefuseBadRequests() throws IOException {
        try (RawNbdClient c = greeted()) {
            assertThat(last(c.option(OPT_SET_META_CONTEXT, metaRequest("disk", "base:allocation"))))
                    .as("before structured replies").isEqualTo(REP_ERR_INVALID);
            c.structuredReplies();
            var noColon = c.option(OPT_SET_META_CONTEXT, metaRequest("disk", "allocation"));
            assertThat(last(noColon)).isEqualTo(REP_ERR_INVALID);
            assertThat(noColon.getLast().text()).contains("'allocation'");
            assertThat(last(c.option(OPT_LIST_META_CONTEXT, metaRequest("nope")))).isEqualTo(REP_ERR_UNKNOWN);
            byte[] truncated = ByteBuffer.allocate(8).putInt(4).putInt(0).array();
            assertThat(last(c.option(OPT_LIST_META_CONTEXT, truncated))).isEqualTo(REP_ERR_INVALID);
        }
    }

    @Test
    void contextsSetForAnotherExportDoNotCarryOverToGo() throws IOException {
        try (RawNbdClient c = greeted()) {
            c.structuredReplies();
            RawNbdClient.contexts(c.option(OPT_SET_META_CONTEXT, metaRequest("ro", "base:allocation")));
            c.go("disk");
            long cookie = c.request(0, CMD_BLOCK_STATUS, 0, 4096, null);
            assertThat(c.readStatus(cookie)).isEqualTo(EINVAL);
        }
    }
}
