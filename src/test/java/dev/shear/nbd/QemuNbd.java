package dev.shear.nbd;

import dev.shear.testing.Interop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/// A real `qemu-nbd` serving one raw file for interop tests (found through [Interop#require], so
/// the test skips without it and fails in CI), started with `--persistent -f raw -x NAME` on a
/// Unix socket or a free TCP port. Its output goes to a log file beside the socket, quoted when it
/// does not come up. [#close] kills it and waits for it to exit.
final class QemuNbd implements AutoCloseable {
    private final Process process;
    private final String uri;
    private final Path log;

    private QemuNbd(Process process, String uri, Path log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /// Serves `file` as export `name` on the Unix socket `dir/<name>.sock`; `extra` options
    /// (`-r`, `--discard=unmap`, …) go before the file.
    static QemuNbd unix(Path file, Path dir, String name, String... extra) throws IOException {
        Path socket = dir.resolve(name + ".sock");
        QemuNbd q = start(file, dir, name, List.of("--socket=" + socket), extra,
                NbdUri.unix(socket, name));
        q.awaitReady(() -> Files.exists(socket) && connects(() -> openUnix(socket)));
        return q;
    }

    /// Serves `file` as export `name` on a free TCP port of 127.0.0.1.
    static QemuNbd tcp(Path file, Path dir, String name, String... extra) throws IOException {
        int port = freePort();
        QemuNbd q = start(file, dir, name, List.of("--bind=127.0.0.1", "--port=" + port), extra,
                NbdUri.tcp("127.0.0.1", port, name));
        int p = port;
        q.awaitReady(() -> connects(() -> SocketChannel.open(new InetSocketAddress("127.0.0.1", p))));
        return q;
    }

    /// A TCP port of 127.0.0.1 that was free a moment ago (nothing listens on it now).
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static QemuNbd start(Path file, Path dir, String name, List<String> where, String[] extra, String uri)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Interop.require("qemu-nbd"), "--persistent", "-t", "-f", "raw",
                "-x", name, "--shared=8"));
        cmd.addAll(where);
        cmd.addAll(List.of(extra));
        cmd.add(file.toString());
        Path log = dir.resolve(name + ".qemu-nbd.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new QemuNbd(p, uri, log);
    }

    private interface Probe {
        boolean ok() throws IOException;
    }

    private interface Opener {
        SocketChannel open() throws IOException;
    }

    /// True when a connection can be made now (qemu-nbd, shared by 8, shrugs off the probe).
    private static boolean connects(Opener o) {
        try (SocketChannel c = o.open()) {
            return c.isConnected();
        } catch (IOException notYet) {
            return false;
        }
    }

    private static SocketChannel openUnix(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(socket));
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    /// Waits (up to 10 s) until `ready`; fails with qemu-nbd's output if it exits or never is.
    private void awaitReady(Probe ready) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (!ready.ok()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    close();
                    throw new IOException("qemu-nbd did not come up for " + uri + ": " + Files.readString(log));
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while starting qemu-nbd", e);
        }
    }

    /// The URI clients use.
    String uri() {
        return uri;
    }

    /// The process, for tests that kill it under load.
    Process process() {
        return process;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
