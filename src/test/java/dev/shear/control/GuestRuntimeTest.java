package dev.shear.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.BlockNode;
import dev.shear.block.ImageFormat;
import dev.shear.cli.ShearCommand;
import dev.shear.datacenter.Bus;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestDisk;
import dev.shear.datacenter.GuestSpec;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.Manifest;
import dev.shear.datacenter.demo.Demo;
import dev.shear.datacenter.demo.SampleData;
import dev.shear.datacenter.run.GuestBusyException;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupRun;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.testing.Interop;
import dev.shear.testing.PageCache;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// A running guest served over NBD, used by real clients (qemu-io, nbdinfo, nbdcopy, fio, qemu-img)
/// while backups and snapshot exports happen.
class GuestRuntimeTest {
    private static final int VMID = 110;
    private static final long SIZE = 64L << 20;

    @TempDir
    Path root;
    Datacenter dc;
    GuestRuntime rt;

    @BeforeEach
    void setUp() throws Exception {
        dc = Datacenter.open(root);
        Demo.create(dc, Demo.Size.SMALL, l -> { });
        dc.guests().create(new GuestSpec(VMID, "nbd-test", null,
                List.of(new GuestSpec.DiskSpec(Bus.VIRTIO, 0, "local", ImageFormat.RAW, SIZE))),
                (d, n) -> SampleData.fill(n, 0.5, 7));
        rt = GuestRuntime.start(dc, VMID, GuestRuntime.Options.defaults());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rt != null) {
            rt.close();
        }
    }

    private String uri() {
        return rt.exports().get("virtio0");
    }

    private Path diskFile() throws Exception {
        GuestDisk d = dc.guests().get(VMID).disks().get(0);
        return dc.storages().get("local").pathOf(d.volume().name());
    }

    private Path golden() throws Exception {
        Path g = root.resolve("golden.raw");
        Files.copy(diskFile(), g);
        return g;
    }

    private static void qemuIo(String uri, String... cmds) throws Exception {
        String[] args = new String[2 + cmds.length * 2];
        args[0] = "-f";
        args[1] = "raw";
        for (int i = 0; i < cmds.length; i++) {
            args[2 + 2 * i] = "-c";
            args[3 + 2 * i] = cmds[i];
        }
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[all.length - 1] = uri;
        Interop.Result r = Interop.run("qemu-io", all).ok();
        assertThat(r.stdout() + r.stderr()).doesNotContain("Pattern verification failed").doesNotContain("error");
    }

    @Test
    void realClientsReadAndWriteTheRunningGuest() throws Exception {
        Interop.Result fio = Interop.runWithTimeout(60, "fio", "--name=mixed", "--ioengine=nbd", "--uri=" + uri(),
                "--rw=randrw", "--bs=4k", "--iodepth=8", "--runtime=2", "--time_based", "--size=" + SIZE,
                "--output-format=json").ok();
        assertThat(fio.stdout()).contains("\"error\" : 0");
        qemuIo(uri(), "write -P 0xab 1M 1M", "read -P 0xab 1M 1M", "write -z 4M 64k", "flush");
        assertThat(Interop.run("nbdinfo", "--list", uri()).ok().stdout()).contains("virtio0");
        String map = Interop.run("nbdinfo", "--map", uri()).ok().stdout();
        assertThat(map).contains("data").contains("hole");
        Path copy = root.resolve("copy.raw");
        Interop.run("nbdcopy", uri(), copy.toString()).ok();
        BlockNode seat = rt.guest().disks().get(0).seat();
        assertThat(Files.readAllBytes(copy)).isEqualTo(seat.read(0, (int) SIZE));
        rt.close();
        rt = null;
        Interop.run("qemu-io", "-f", "raw", "-c", "read -P 0xab 1M 1M", diskFile().toString()).ok();
    }

    @Test
    void theDirtyBitmapIsAMetaContextExternalToolsCanRead() throws Exception {
        rt.guest().disks().get(0).bitmap().bits().clear();
        qemuIo(uri(), "write -P 0x55 8M 128k");
        String map = Interop.run("nbdinfo", "--map=shear:dirty-bitmap", uri()).ok().stdout();
        // nbdinfo prints "offset length flags ..." lines; the written range is the only dirty one
        assertThat(map).containsPattern("(?m)^\\s*8388608\\s+131072\\s+1\\b");
        assertThat(map).containsPattern("(?m)^\\s*0\\s+8388608\\s+0\\b");
    }

    /// Decision 0018: what the guest writes reaches storage within moments, in small batches,
    /// not all at once after the kernel's 30 s (`cachestat` counts the image's dirty pages).
    @Test
    void whatTheGuestWritesIsWrittenBackWhileItRuns() throws Throwable {
        PageCache.requireWriteback(diskFile());
        byte[] data = new byte[8 << 20];
        new java.util.Random(3).nextBytes(data);
        rt.guest().disks().get(0).seat().write(0, java.nio.ByteBuffer.wrap(data), false);
        assertThat(PageCache.awaitClean(diskFile(), java.time.Duration.ofSeconds(20))).isZero();
        assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("shear-writeback-" + VMID));
        rt.close();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("shear-writeback-" + VMID));
    }

    @Test
    void aSecondRunOfTheSameGuestIsRefused() {
        assertThatThrownBy(() -> GuestRuntime.start(dc, VMID, GuestRuntime.Options.defaults()))
                .isInstanceOf(GuestBusyException.class).hasMessageContaining("already open (run)");
    }

    @Test
    void pullModeSnapshotStaysThePointInTimeWhileQemuIoOverwrites() throws Exception {
        Path golden = golden();
        var uris = rt.exportSnapshot("fast");
        String snap = uris.get("virtio0");
        qemuIo(uri(), "write -P 0x11 0 2M", "write -P 0x22 40M 3M", "write -z 10M 1M");
        Interop.run("qemu-img", "compare", "-f", "raw", "-F", "raw", golden.toString(), snap).ok();
        BlockNode fleece = dc.storages().get("fast").open(dc.guests().get(VMID).fleecing().get(0).name(), false);
        long before = fleece.allocatedBytes();
        assertThat(before).as("old data of the overwritten clusters").isGreaterThan(1L << 20);
        qemuIo(snap, "discard 0 64M");
        assertThat(fleece.allocatedBytes()).as("TRIM on the snapshot freed the fleecing image").isLessThan(before / 4);
        fleece.close();
        Interop.Result w = Interop.run("qemu-io", "-f", "raw", "-c", "write 0 4k", snap);
        assertThat(w.stdout() + w.stderr()).contains("Operation not permitted");
        assertThat(rt.release()).isTrue();
        assertThat(dc.guests().get(VMID).fleecing()).isEmpty();
        assertThat(dc.guests().get(VMID).lock()).isNull();
        assertThat(dc.storages().get("fast").volumes()).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "fleecing {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void liveBackupIsThePointInTimeWhileQemuIoWrites(boolean fleecing) throws Exception {
        Path golden = golden();
        BackupRun run = rt.backup(BackupRequest.of(VMID, "backup").withBwlimit(16L << 20)
                .withFleecing(fleecing ? FleecingOption.parse("enabled=1,storage=fast") : FleecingOption.OFF), e -> { });
        while (run.jobs().isEmpty() && !run.isDone()) {
            Thread.sleep(5);
        }
        qemuIo(uri(), "write -P 0x33 0 8M", "write -P 0x44 60M 4M");
        BackupOutcome o = run.await();
        assertThat(o.ok()).as(o.error()).isTrue();
        var archive = new Archives(dc).find(o.archive());
        Manifest m = archive.requireManifest();
        Interop.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", golden.toString(),
                archive.image(m.disks().get(0).file()).toString()).ok();
        assertThat(m.disks().get(0).sha256()).as("hashed while copying, equal to sha256sum of the point in time")
                .isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(golden))));
        assertThat(dc.storages().get("fast").volumes()).isEmpty();
        if (fleecing) {
            assertThat(dev.shear.backup.EngineWarmup.isDone()).as("a live backup with fleecing warms the engine up")
                    .isTrue();
        }
        qemuIo(uri(), "read -P 0x33 0 8M");
    }

    @Test
    void theCliBacksUpARunningGuestThroughItsControlSocket() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ShearCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("--root", root.toString(), "backup", String.valueOf(VMID), "--storage", "backup",
                "--fleecing", "enabled=1,storage=fast");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("backup of guest " + VMID + " finished");
        assertThat(rt.currentBackup()).isNull();
        assertThat(new Archives(dc).list(VMID)).hasSize(1);
        StringWriter st = new StringWriter();
        cl.setOut(new PrintWriter(st));
        assertThat(cl.execute("--root", root.toString(), "status", String.valueOf(VMID))).isZero();
        assertThat(st.toString()).contains("run").contains(uri());
    }
}
