package dev.shear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.VolumeKind;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.run.OpenGuest;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/// `shear list|restore|verify|prune|cleanup|tasks`, run in-process on the small demo datacenter.
class ArchiveCommandsTest {
    @TempDir
    Path root;
    String full;
    String incremental;

    private CliRun.Result shear(String... args) {
        return CliRun.shear(root, cl -> { }, args);
    }

    private CliRun.Result shear(Consumer<CommandLine> setUp, String... args) {
        return CliRun.shear(root, setUp, args);
    }

    private CliRun.Result ok(String... args) {
        return CliRun.ok(root, args);
    }

    @BeforeEach
    void setUp() throws Exception {
        ok("demo", "--small");
        ok("backup", "101", "--storage", "backup");
        Datacenter dc = Datacenter.open(root);
        try (OpenGuest g = OpenGuest.open(dc, dc.guests().get(101), "run")) {
            byte[] block = new byte[65536];
            java.util.Arrays.fill(block, (byte) 7);
            g.disks().getFirst().seat().write(65536, block);
        }
        ok("backup", "101", "--storage", "backup", "--mode", "incremental");
        JsonNode list = new ObjectMapper().readTree(ok("list", "101", "--output", "json").out());
        full = list.get(0).get("id").asText();
        incremental = list.get(1).get("id").asText();
    }

    @Test
    void listShowsStateModeSizeVerificationAndParent() throws Exception {
        CliRun.Result r = ok("list");
        assertThat(r.out().lines().findFirst().orElseThrow())
                .matches("BACKUP +GUEST +TIME +MODE +SIZE +STATE +VERIFIED +PARENT");
        assertThat(r.out()).containsPattern(full + " +101 +[0-9-]+ [0-9:]+ +full +[0-9.]+ [KM]iB +complete +never +-\n");
        String parent = full.substring(full.indexOf(':') + 1);
        assertThat(r.out()).containsPattern(incremental + " +101 .* incremental .* complete +never +" + parent + "\n");
        JsonNode j = new ObjectMapper().readTree(ok("list", "--storage", "backup", "--output", "json").out());
        assertThat(j).hasSize(2);
        assertThat(j.get(1).get("parent").asText()).isEqualTo(parent);
        assertThat(j.get(1).get("mode").asText()).isEqualTo("incremental");
        assertThat(j.get(1).get("size").asLong()).isPositive();
        assertThat(ok("list", "100").out()).isEqualTo("no backups of guest 100" + System.lineSeparator());
        assertThat(shear("list", "--storage", "local").exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void restoreSucceedsRefusesAnExistingGuestAndReportsBadInput() {
        CliRun.Result r = ok("restore", incremental, "201");
        assertThat(r.out()).containsPattern("restored " + incremental + " to guest 201: [0-9.]+ [KM]iB written in");
        CliRun.Result again = shear("restore", incremental, "201");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(again.err()).isEqualTo("shear: error: guest 201 exists; pass --force to replace it (its disks are"
                + " destroyed first) or restore to a new guest id" + System.lineSeparator());
        assertThat(ok("restore", full, "201", "--force").out()).contains("restored " + full + " to guest 201");
        CliRun.Result bad = shear("restore", "nonsense", "202");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).startsWith("shear: error: 'nonsense' does not name a backup").hasLineCount(1);
        assertThat(shear("restore", full).exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(shear("restore", "backup:vzdump-qemu-101-2001_01_01-00_00_00", "202").exitCode())
                .isEqualTo(ExitCodes.REFUSED);
    }

    @Test
    void aDamagedBackupFailsRestoreAndVerifyWithExitOne() throws Exception {
        Datacenter dc = Datacenter.open(root);
        Path image = new dev.shear.datacenter.archive.Archives(dc).find(incremental).image("scsi0.qcow2");
        byte[] bytes = Files.readAllBytes(image);
        long data = dev.shear.datacenter.archive.RestoreTestAccess.firstDataOffset(image);
        bytes[(int) data + 100] ^= 0x5a;
        Files.write(image, bytes);
        CliRun.Result r = shear("restore", incremental, "203");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.TASK_FAILED);
        assertThat(r.err()).startsWith("shear: error: restore of " + incremental + " to guest 203 failed: disk scsi0:"
                + " the content read from backup").contains("(log: shear tasks log UPID:").hasLineCount(1);
        CliRun.Result v = shear("verify", full, incremental);
        assertThat(v.exitCode()).isEqualTo(ExitCodes.TASK_FAILED);
        assertThat(v.out()).contains(full + ": ok");
        assertThat(v.err()).startsWith("shear: error: " + incremental + ": verification failed: disk scsi0 (")
                .hasLineCount(1);
        assertThat(ok("list", "--output", "json").out()).contains("\"verified\" : \"failed\"")
                .contains("\"verified\" : \"ok\"");
        assertThat(ok("guest", "list").out()).doesNotContain("203");
    }

    @Test
    void verifyRefusesAnIncompleteBackupBeforeVerifyingAny() throws Exception {
        Datacenter dc = Datacenter.open(root);
        Files.delete(new dev.shear.datacenter.archive.Archives(dc).find(incremental).dir().resolve("manifest.json"));
        CliRun.Result r = shear("verify", full, incremental);
        assertThat(r.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(r.err()).contains("is incomplete").hasLineCount(1);
        assertThat(r.out()).isEmpty();
        assertThat(ok("list").out()).contains("incomplete");
    }

    @Test
    void pruneShowsADryRunThenRemoves() {
        CliRun.Result none = shear("prune", "101", "--storage", "backup");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).startsWith("shear: error: prune needs at least one of --keep-last").hasLineCount(1);
        assertThat(shear("prune", "101", "--keep-last", "1").exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(shear("prune", "101", "--storage", "backup", "--keep-last", "-2").err())
                .contains("--keep-last must be 0 or more, not -2");
        CliRun.Result dry = ok("prune", "101", "--storage", "backup", "--keep-last", "1", "--dry-run");
        assertThat(dry.out()).containsPattern("keep +" + name(incremental) + " +keep-last")
                .containsPattern("keep +" + name(full) + " +kept as base of " + name(incremental))
                .contains("dry run: 0 backup(s) would be removed; nothing was changed");
        ok("backup", "101", "--storage", "backup");
        CliRun.Result real = ok("prune", "101", "--storage", "backup", "--keep-last", "1");
        assertThat(real.out()).containsPattern("remove +" + name(incremental) + " +not kept by keep-last=1")
                .containsPattern("removed 2 backup\\(s\\), [0-9.]+ [KM]iB freed");
        assertThat(ok("list", "101").out().lines().count()).isEqualTo(2);
    }

    private static String name(String id) {
        return id.substring(id.indexOf(':') + 1);
    }

    private Path orphan() throws Exception {
        Storage fast = Datacenter.open(root).storages().get("fast");
        VolumeName n = VolumeName.of(105, VolumeKind.FLEECE, 0, ImageFormat.QCOW2);
        fast.allocate(n, 1 << 20);
        return fast.pathOf(n);
    }

    private static Consumer<CommandLine> terminal(String answer) {
        return cl -> {
            CleanupCommand c = cl.getSubcommands().get("cleanup").getCommand();
            c.terminal = answer != null;
            c.answers = new BufferedReader(new StringReader(answer == null ? "" : answer + "\n"));
        };
    }

    @Test
    void cleanupAsksOnATerminalAndRefusesWithoutOneUnlessYes() throws Exception {
        assertThat(shear(terminal(null), "cleanup").out()).contains("nothing to clean up");
        Path orphan = orphan();
        CliRun.Result noTerminal = shear(terminal(null), "cleanup");
        assertThat(noTerminal.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(noTerminal.out()).contains("remove orphan fleecing image fast:vm-105-fleece-0.qcow2 (");
        assertThat(noTerminal.err()).isEqualTo("shear: error: not removing anything without confirmation: pass --yes"
                + " to remove the 1 item(s) above" + System.lineSeparator());
        CliRun.Result dry = shear(terminal(null), "cleanup", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).contains("would remove orphan fleecing image").contains("dry run: would remove 1 item(s)");
        CliRun.Result no = shear(terminal("n"), "cleanup");
        assertThat(no.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(no.out()).containsPattern("Remove 1 item\\(s\\), freeing [0-9.]+ [KM]?i?B\\? \\[y/N\\] nothing removed");
        assertThat(orphan).exists();
        CliRun.Result yes = shear(terminal("y"), "cleanup");
        assertThat(yes.exitCode()).as(yes.err()).isZero();
        assertThat(yes.out()).containsPattern("removed 1 item\\(s\\), freed ");
        assertThat(orphan).doesNotExist();
        orphan();
        assertThat(shear(terminal(null), "cleanup", "--yes").exitCode()).isZero();
        assertThat(orphan).doesNotExist();
    }

    @Test
    void tasksListsAndPrintsLogs() throws Exception {
        ok("restore", full, "204");
        CliRun.Result r = ok("tasks");
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("STARTED +TYPE +GUEST +STATUS +TASK");
        assertThat(r.out().lines().skip(1).findFirst().orElseThrow()).contains("restore").contains("204").contains("OK");
        assertThat(ok("tasks", "--vmid", "204").out().lines().count()).isEqualTo(2);
        JsonNode j = new ObjectMapper().readTree(ok("tasks", "--vmid", "101", "--output", "json").out());
        assertThat(j).hasSize(2);
        assertThat(j.get(0).get("type").asText()).isEqualTo("backup");
        assertThat(j.get(0).get("state").asText()).isEqualTo("ok");
        String id = j.get(0).get("id").asText();
        CliRun.Result log = ok("tasks", "log", id);
        assertThat(log.out()).contains("TASK OK").endsWith("status: OK" + System.lineSeparator());
        CliRun.Result bad = shear("tasks", "log", "nonsense");
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).startsWith("shear: error: invalid task id 'nonsense'").hasLineCount(1);
        CliRun.Result missing = shear("tasks", "log", id.replace(":backup:", ":restore:"));
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(missing.err()).contains("does not exist").hasLineCount(1);
    }
}
