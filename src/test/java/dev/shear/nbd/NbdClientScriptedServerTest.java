package dev.shear.nbd;

import static dev.shear.nbd.NbdProtocol.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockStatus;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// [NbdClientNode] against a scripted server for what neither our server nor QEMU's does: an old
/// server that knows no option but `NBD_OPT_EXPORT_NAME` (and sends the 124 zero bytes), offers
/// no write-zeroes, trim or FUA; and a server that answers a cookie nobody asked about.
@Timeout(60)
class NbdClientScriptedServerTest {
    private static final int SIZE = 1 << 20;

    private final ServerSocketChannel listener;
    private final byte[] disk = new byte[SIZE];
    private final AtomicInteger writes = new AtomicInteger();
    private final AtomicInteger flushes = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean forgeCookies;
    private volatile Throwable serverFailure;

    NbdClientScriptedServerTest() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(this::serveOne);
    }

    @AfterEach
    void stop() throws IOException {
        listener.close();
        assertThat(serverFailure).as("the scripted server").isNull();
    }

    private String uri() throws IOException {
        return "nbd://127.0.0.1:" + ((InetSocketAddress) listener.getLocalAddress()).getPort() + "/old";
    }

    /// An oldish fixed-newstyle server: every option but EXPORT_NAME is unsupported.
    private void serveOne() {
        try (SocketChannel c = listener.accept()) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
            out.writeLong(NBDMAGIC);
            out.writeLong(IHAVEOPT);
            out.writeShort(FLAG_FIXED_NEWSTYLE);
            assertThat(in.readInt()).as("client flags").isEqualTo(FLAG_C_FIXED_NEWSTYLE);
            while (true) {
                assertThat(in.readLong()).isEqualTo(IHAVEOPT);
                int option = in.readInt();
                byte[] data = in.readNBytes(in.readInt());
                if (option == OPT_EXPORT_NAME) {
                    assertThat(new String(data)).isEqualTo("old");
                    break;
                }
                out.writeLong(OPTION_REPLY_MAGIC);
                out.writeInt(option);
                out.writeInt(REP_ERR_UNSUP);
                out.writeInt(0);
            }
            out.writeLong(SIZE);
            out.writeShort(FLAG_HAS_FLAGS | FLAG_SEND_FLUSH);
            out.write(new byte[124]);
            transmission(in, out);
        } catch (EOFException clientLeft) {
            // the client may leave without NBD_CMD_DISC in the violation test
        } catch (ClosedChannelException notConnected) {
            // the test ended without connecting
        } catch (IOException | RuntimeException | Error e) {
            serverFailure = e;
        }
    }

    private void transmission(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            assertThat(in.readInt()).isEqualTo(REQUEST_MAGIC);
            int flags = in.readUnsignedShort();
            int type = in.readUnsignedShort();
            long cookie = in.readLong();
            int offset = (int) in.readLong();
            int length = in.readInt();
            requests.incrementAndGet();
            assertThat(flags).as("no flag was advertised").isZero();
            switch (type) {
                case CMD_DISC -> {
                    return;
                }
                case CMD_WRITE -> {
                    in.readFully(disk, offset, length);
                    writes.incrementAndGet();
                }
                case CMD_FLUSH -> flushes.incrementAndGet();
                case CMD_READ -> { }
                default -> throw new AssertionError("command " + type + " was not advertised");
            }
            out.writeInt(SIMPLE_REPLY_MAGIC);
            out.writeInt(0);
            out.writeLong(forgeCookies ? cookie + 1000 : cookie);
            if (type == CMD_READ) {
                out.write(disk, offset, length);
            }
        }
    }

    @Test
    void anOldServerIsUsedThroughExportNameWithoutTheFeaturesItLacks() throws IOException {
        byte[] data = ServerTestBase.pattern(8192, 1);
        try (NbdClientNode n = NbdClientNode.connect(uri())) {
            RemoteExport e = n.export();
            assertThat(e.structured()).isFalse();
            assertThat(e.hasAllocationContext()).isFalse();
            assertThat(n.size()).isEqualTo(SIZE);
            assertThat(n.alignment()).isEqualTo(1);
            assertThat(n.clusterSize()).isEqualTo(4096);

            n.write(100, ByteBuffer.wrap(data), true);
            assertThat(flushes.get()).as("FUA without server support: a write, then a flush").isEqualTo(1);
            assertThat(n.read(100, data.length)).isEqualTo(data);
            n.writeZeroes(1100, 3000, true);
            assertThat(writes.get()).as("zeroes are written when WRITE_ZEROES is not offered").isEqualTo(2);
            int before = requests.get();
            n.discard(0, 4096);
            assertThat(requests.get()).as("a discard without TRIM is a no-op").isEqualTo(before);
            Arrays.fill(data, 1000, 4000, (byte) 0);
            assertThat(n.read(100, data.length)).isEqualTo(data);
            assertThat(n.blockStatus(0, SIZE)).as("without base:allocation everything is data")
                    .isEqualTo(new BlockStatus(BlockStatus.State.DATA, 0, SIZE));
        }
        assertThat(Arrays.copyOfRange(disk, 100, 100 + data.length)).isEqualTo(data);
        assertThat(flushes.get()).as("close flushes").isEqualTo(2);
    }

    @Test
    void aReplyForACookieNobodyAskedAboutEndsTheConnection() throws IOException {
        forgeCookies = true;
        NbdClientNode n = NbdClientNode.connect(uri());
        assertThatThrownBy(() -> n.read(0, 512)).isInstanceOf(IOException.class)
                .hasMessageMatching("READ 0\\+512 on NBD export 'old' at .* failed: the connection to the server was "
                        + "lost: protocol violation by the server: a reply for cookie \\d+, which no request in "
                        + "flight has");
        assertThatThrownBy(() -> n.read(0, 512)).hasMessageContaining("is unusable: the connection to the server was "
                + "lost: protocol violation by the server");
        n.close();
        n.close();
    }

    @Test
    void theConnectTimeoutMustBePositive() {
        assertThatThrownBy(() -> NbdClientNode.connect(uri(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
    }
}
