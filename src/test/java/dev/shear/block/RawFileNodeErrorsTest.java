package dev.shear.block;

import static dev.shear.block.BlockNodeContractTest.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shear.testing.Interop;
import dev.shear.testing.TinyTmpfs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// Bad input and bad storage: every failure names the file and changes nothing.
class RawFileNodeErrorsTest {
    @TempDir
    Path dir;

    @Test
    void createRefusesAnExistingFileAndLeavesItAlone() throws IOException {
        Path f = Files.write(dir.resolve("taken.raw"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> RawFileNode.create(f, 1 << 20)).isInstanceOf(IOException.class)
                .hasMessageContaining("taken.raw").hasMessageContaining("already exists");
        assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
    }

    @Test
    void createRefusesANegativeSizeAndCreatesNothing() {
        Path f = dir.resolve("neg.raw");
        assertThatThrownBy(() -> RawFileNode.create(f, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neg.raw").hasMessageContaining("negative");
        assertThat(f).doesNotExist();
    }

    @Test
    void createInAMissingDirectoryNamesIt() {
        Path f = dir.resolve("no-such-dir").resolve("x.raw");
        assertThatThrownBy(() -> RawFileNode.create(f, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("directory does not exist");
    }

    @Test
    void openingAMissingFileADirectoryOrADeviceNamesThePath() {
        Path missing = dir.resolve("missing.raw");
        assertThatThrownBy(() -> RawFileNode.open(missing, RawOptions.READ_ONLY)).isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> RawFileNode.open(dir, RawOptions.READ_WRITE)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> RawFileNode.open(Path.of("/dev/null"), RawOptions.READ_ONLY))
                .isInstanceOf(IOException.class).hasMessageContaining("/dev/null").hasMessageContaining("not a regular file");
        assertThat(missing).doesNotExist();
    }

    @Test
    void openingWithoutPermissionNamesThePath() throws IOException {
        Path f = RawFileNodeTestFiles.sparse(dir.resolve("locked.raw"), 1 << 20);
        boolean root = (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
        if (root) {
            // root passes permission bits; the immutable attribute still stops a writer
            Interop.run("chattr", "+i", f.toString()).ok();
        } else {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
        }
        try {
            assertThatThrownBy(() -> RawFileNode.open(f, RawOptions.READ_WRITE)).isInstanceOf(IOException.class)
                    .hasMessageContaining("locked.raw").hasMessageContaining("read-write")
                    .hasMessageContaining(root ? "Operation not permitted" : "permission denied");
        } finally {
            if (root) {
                Interop.run("chattr", "-i", f.toString()).ok();
            }
        }
    }

    @Test
    void readOnlyNodeRefusesEveryChangeAndChangesNothing() throws IOException {
        Path f = dir.resolve("ro.raw");
        byte[] data = pattern(1 << 20, 31);
        try (RawFileNode n = RawFileNode.create(f, 2 << 20)) {
            n.write(0, data);
        }
        byte[] before = Files.readAllBytes(f);
        try (RawFileNode n = RawFileNode.open(f, RawOptions.READ_ONLY)) {
            long allocated = n.allocatedBytes();
            assertThat(n.describe()).contains("read-only");
            assertThatThrownBy(() -> n.write(0, new byte[4096])).isInstanceOf(IOException.class)
                    .hasMessageContaining("ro.raw").hasMessageContaining("read-only");
            assertThatThrownBy(() -> n.writeZeroes(0, 1 << 20, true)).isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> n.writeZeroes(0, 1 << 20, false)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> n.discard(0, 1 << 20)).isInstanceOf(IOException.class)
                    .hasMessageContaining("read-only");
            n.flush();
            assertThat(n.read(0, 1 << 20)).isEqualTo(data);
            assertThat(n.allocatedBytes()).isEqualTo(allocated);
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
    }

    @Test
    void anInterruptFailsOnlyTheInterruptedRequest() throws IOException {
        try (RawFileNode n = RawFileNode.create(dir.resolve("intr.raw"), 1 << 20)) {
            byte[] data = pattern(65536, 32);
            n.write(0, data);
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> n.read(0, 4096)).isInstanceOf(InterruptedIOException.class)
                        .hasMessageContaining("intr.raw");
                assertThat(Thread.currentThread().isInterrupted()).as("interrupt status is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(n.read(0, 65536)).as("the node still works after the interrupt").isEqualTo(data);
            n.write(65536, data);
            assertThat(n.read(65536, 65536)).isEqualTo(data);
        }
    }

    @Test
    void aFileTruncatedBehindTheNodesBackFailsReadsClearly() throws IOException {
        Path f = dir.resolve("shrunk.raw");
        try (RawFileNode n = RawFileNode.create(f, 1 << 20)) {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(4096);
            }
            assertThatThrownBy(() -> n.read(0, 8192)).isInstanceOf(IOException.class)
                    .hasMessageContaining("shrunk.raw").hasMessageContaining("truncated");
        }
    }

    /// ENOSPC needs a really full file system. A 1 MiB tmpfs is the reliable way: a file-size
    /// rlimit gives EFBIG, not ENOSPC, and would not exercise the mapping; a loop device also
    /// needs root. So: mount when root (CI is root), skip elsewhere, fail in CI if the mount fails.
    @Test
    void fullStorageFailsWritesWithNoSpaceExceptionAndDiscardMakesRoom() throws IOException {
        Path mnt = Files.createDirectory(dir.resolve("tiny"));
        TinyTmpfs.mount(mnt, "1m");
        try {
            Path f = mnt.resolve("vm-100-fleece-0.raw");
            try (RawFileNode n = RawFileNode.create(f, 8L << 20)) {
                byte[] chunk = pattern(65536, 33);
                long written = 0;
                NoSpaceException full = null;
                while (full == null && written < n.size()) {
                    try {
                        n.write(written, chunk);
                        written += chunk.length;
                    } catch (NoSpaceException e) {
                        full = e;
                    }
                }
                if (full == null) {
                    fail("8 MiB fitted on a 1 MiB tmpfs");
                }
                assertThat(full).hasMessageContaining("vm-100-fleece-0.raw").hasMessageContaining("no space");
                assertThat(written).isLessThanOrEqualTo(1 << 20);
                assertThat(n.read(0, chunk.length)).as("earlier writes are intact").isEqualTo(chunk);
                n.discard(0, written);
                n.write(written, ByteBuffer.wrap(chunk), false);
                assertThat(n.read(written, chunk.length)).as("discard made room").isEqualTo(chunk);
            }
        } finally {
            TinyTmpfs.unmount(mnt);
        }
    }
}
