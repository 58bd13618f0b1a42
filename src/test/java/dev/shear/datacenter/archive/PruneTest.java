package dev.shear.datacenter.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/// Prune against Proxmox VE's marking, on archives whose times the test chooses. The expected
/// sets are worked out by hand from `PVE::Storage::prune_mark_backup_group` (see each case).
class PruneTest {
    /// Ten backups of guest 100 in January and February 2026 (ISO weeks: 2026-01-01 is in W01,
    /// 01-15 in W03, 01-31 and 02-01 in W05, 02-02…02-03 in W06, 02-09…02-10 in W07).
    private static final Map<String, LocalDateTime> CALENDAR = new LinkedHashMap<>();

    static {
        CALENDAR.put("A", LocalDateTime.of(2026, 1, 1, 10, 0));
        CALENDAR.put("B", LocalDateTime.of(2026, 1, 15, 10, 0));
        CALENDAR.put("C", LocalDateTime.of(2026, 1, 31, 10, 0));
        CALENDAR.put("D", LocalDateTime.of(2026, 2, 1, 10, 0));
        CALENDAR.put("E", LocalDateTime.of(2026, 2, 2, 9, 0));
        CALENDAR.put("F", LocalDateTime.of(2026, 2, 2, 18, 0));
        CALENDAR.put("G", LocalDateTime.of(2026, 2, 3, 10, 0));
        CALENDAR.put("H", LocalDateTime.of(2026, 2, 9, 10, 0));
        CALENDAR.put("I", LocalDateTime.of(2026, 2, 10, 8, 0));
        CALENDAR.put("J", LocalDateTime.of(2026, 2, 10, 20, 0));
    }

    @TempDir
    Path root;
    Datacenter dc;
    Archives archives;

    @BeforeEach
    void setUp() throws Exception {
        dc = Datacenter.open(root.resolve("dc"));
        dc.storages().add(StorageConfig.dir("backup", Files.createDirectories(root.resolve("b")),
                EnumSet.of(Content.BACKUP)));
        archives = new Archives(dc);
    }

    /// A complete archive of guest `vmid` taken at `time`, incremental on `parent` when given.
    private Archive archive(int vmid, LocalDateTime time, Archive parent) throws Exception {
        Archive a = archives.create(dc.storages().get("backup"), vmid, time);
        Files.write(a.image("scsi0.qcow2"), new byte[1000]);
        archives.complete(a, new Manifest(a.name().toString(), parent == null ? Manifest.FULL : Manifest.INCREMENTAL,
                parent == null ? null : parent.name().toString(), Instant.now(), Instant.now(),
                GuestConfig.of(vmid, "g" + vmid, List.of()), List.of(),
                new Manifest.Options(null, 16, 0, 0, 0, false, "break-guest-write", 0, 0L)));
        return a;
    }

    private Map<String, Archive> calendar() throws Exception {
        Map<String, Archive> out = new LinkedHashMap<>();
        for (var e : CALENDAR.entrySet()) {
            out.put(e.getKey(), archive(100, e.getValue(), null));
        }
        return out;
    }

    private static KeepOptions keep(String spec) {
        int[] n = new int[6];
        List<String> names = List.of("last", "hourly", "daily", "weekly", "monthly", "yearly");
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=");
            n[names.indexOf(kv[0])] = Integer.parseInt(kv[1]);
        }
        return new KeepOptions(n[0], n[1], n[2], n[3], n[4], n[5]);
    }

    @ParameterizedTest(name = "{0} keeps {1}")
    @CsvSource(delimiter = '|', value = {
            // the two newest
            "last=2                                 | I J",
            // J (02-10), I same day: removed; H (02-09), G (02-03); then three days are kept
            "daily=3                                | G H J",
            // last: J. daily: I's day is used up by J, keeps H, G. weekly: W07/W06 are used up; keeps
            // D (W05; C is a newer W05 backup's twin: removed), B (W03). monthly: 02 and 01 used up.
            "last=1,daily=2,weekly=2,monthly=2      | B D G H J",
            // weekly: J (W07; I, H removed), G (W06; F, E removed). monthly: 02 used up; C (01; B, A removed)
            "weekly=2,monthly=3                     | C G J",
            "hourly=2                               | I J",
            // yearly: J; monthly would keep 01 too, but two months only exist
            "monthly=5,yearly=1                     | C J",
            "weekly=10                              | A B D G J"})
    void keepsExactlyWhatProxmoxKeeps(String options, String expected) throws Exception {
        Map<String, Archive> all = calendar();
        List<Prune.Decision> plan = new Prune(dc).plan(100, "backup", keep(options));
        Set<String> kept = new TreeSet<>();
        for (Prune.Decision d : plan) {
            String letter = all.entrySet().stream().filter(e -> e.getValue().id().equals(d.archive().id()))
                    .findFirst().orElseThrow().getKey();
            if (d.keep()) {
                kept.add(letter);
            }
        }
        assertThat(String.join(" ", kept)).as(options).isEqualTo(expected);
        assertThat(plan).extracting(d -> d.archive().name().time())
                .as("newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());

        Prune.Result r = new Prune(dc).run(100, "backup", keep(options), false);
        Set<String> left = archives.list(100).stream().map(a -> a.name().toString()).collect(Collectors.toSet());
        assertThat(left).containsExactlyInAnyOrderElementsOf(kept.stream().map(k -> all.get(k).name().toString()).toList());
        assertThat(r.removed()).hasSize(CALENDAR.size() - kept.size());
        assertThat(dc.tasks().info(r.task()).state()).isEqualTo(TaskState.OK);
    }

    @Test
    void aManifestWrittenBeforeWriteBehindWasRecordedStillReads() throws Exception {
        // review of e07cfec: a missing primitive failed the whole manifest (FAIL_ON_NULL_FOR_PRIMITIVES)
        Archive a = archive(100, LocalDateTime.of(2026, 11, 1, 2, 0), null);
        Path manifest = a.dir().resolve(Archive.MANIFEST);
        String before = Files.readString(manifest).replaceAll(",\\s*\"writeBehindBytes\" : 0", "");
        assertThat(before).contains("\"cbwTimeoutSeconds\" : 0").doesNotContain("writeBehind");
        Files.writeString(manifest, before);
        Manifest m = a.requireManifest();
        assertThat(m.options().writeBehindBytes()).as("not recorded then").isNull();
        assertThat(m.options().maxWorkers()).isEqualTo(16);
    }

    @Test
    void reasonsNameTheRuleAndTheBucket() throws Exception {
        Map<String, Archive> all = calendar();
        Map<String, String> reasons = new Prune(dc).plan(100, "backup", keep("last=1,daily=2,weekly=2")).stream()
                .collect(Collectors.toMap(d -> d.archive().id(), Prune.Decision::reason));
        assertThat(reasons.get(all.get("J").id())).isEqualTo("keep-last");
        assertThat(reasons.get(all.get("H").id())).isEqualTo("keep-daily 2026-02-09");
        assertThat(reasons.get(all.get("D").id())).isEqualTo("keep-weekly 2026-W05");
        assertThat(reasons.get(all.get("C").id())).isEqualTo("keep-weekly keeps a newer backup of 2026-W05");
        assertThat(reasons.get(all.get("A").id())).isEqualTo("not kept by keep-last=1,keep-daily=2,keep-weekly=2");
    }

    @Test
    void aKeptIncrementalKeepsItsWholeChain() throws Exception {
        Archive older = archive(100, LocalDateTime.of(2025, 12, 31, 10, 0), null);
        Archive p0 = archive(100, LocalDateTime.of(2026, 1, 1, 10, 0), null);
        Archive p1 = archive(100, LocalDateTime.of(2026, 1, 2, 10, 0), p0);
        Archive p2 = archive(100, LocalDateTime.of(2026, 1, 3, 10, 0), p1);
        List<Prune.Decision> plan = new Prune(dc).plan(100, "backup", KeepOptions.last(1));
        assertThat(plan).extracting(d -> d.archive().name() + " " + d.keep() + " " + d.reason()).containsExactly(
                p2.name() + " true keep-last",
                p1.name() + " true kept as base of " + p2.name(),
                p0.name() + " true kept as base of " + p1.name(),
                older.name() + " false not kept by keep-last=1");
        new Prune(dc).run(100, "backup", KeepOptions.last(1), false);
        assertThat(archives.list(100)).extracting(Archive::name).containsExactly(p0.name(), p1.name(), p2.name());
    }

    @Test
    void incompleteBackupsGoAndOnesInProgressAreNotTouched() throws Exception {
        Archive done = archive(100, LocalDateTime.of(2026, 1, 1, 10, 0), null);
        Archive dead = archives.create(dc.storages().get("backup"), 100, LocalDateTime.of(2026, 1, 2, 10, 0));
        ProcessOwner gone = new ProcessOwner(ProcessOwner.current().host(), 999_999_999, 1, Instant.EPOCH);
        Files.delete(dead.dir().resolve("inprogress.json"));
        ConfigFiles.create(dead.dir().resolve("inprogress.json"), gone);
        Archive running = archives.create(dc.storages().get("backup"), 100, LocalDateTime.of(2026, 1, 3, 10, 0));
        Prune.Result r = new Prune(dc).run(100, "backup", KeepOptions.last(1), false);
        assertThat(r.decisions()).extracting(d -> d.archive().name() + " " + d.keep()).containsExactly(
                running.name() + " true", dead.name() + " false", done.name() + " true");
        assertThat(r.decisions().getFirst().reason()).startsWith("in progress (pid " + ProcessHandle.current().pid());
        assertThat(r.decisions().get(1).reason()).isEqualTo("incomplete: its backup did not finish");
        assertThat(archives.list(100)).extracting(Archive::name).containsExactly(done.name(), running.name());
    }

    @Test
    void aDryRunChangesNothingAndStartsNoTask() throws Exception {
        Map<String, Archive> all = calendar();
        Prune.Result r = new Prune(dc).run(100, "backup", KeepOptions.last(1), true);
        assertThat(r.task()).isNull();
        assertThat(r.removed()).isEmpty();
        assertThat(r.decisions()).filteredOn(d -> !d.keep()).hasSize(9);
        assertThat(archives.list(100)).hasSize(all.size());
        assertThat(dc.tasks().list()).isEmpty();
    }

    @Test
    void otherGuestsAndStoragesAreLeftAlone() throws Exception {
        Archive other = archive(101, LocalDateTime.of(2020, 1, 1, 0, 0), null);
        calendar();
        new Prune(dc).run(100, "backup", KeepOptions.last(1), false);
        assertThat(archives.list(101)).extracting(Archive::id).containsExactly(other.id());
    }

    @Test
    void badOptionsAreRefusedWithClearMessages() throws Exception {
        calendar();
        assertThatThrownBy(() -> new Prune(dc).plan(100, "backup", new KeepOptions(0, 0, 0, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("prune needs at least one of --keep-last,"
                        + " --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly or --keep-yearly with a count above 0");
        assertThatThrownBy(() -> new KeepOptions(0, 0, -1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--keep-daily must be 0 or more, not -1");
        dc.storages().add(StorageConfig.dir("img", Files.createDirectories(root.resolve("i")), EnumSet.of(Content.IMAGES)));
        assertThatThrownBy(() -> new Prune(dc).plan(100, "img", KeepOptions.last(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("storage 'img' does not hold backups; prune works on a backup storage");
        assertThat(archives.list(100)).hasSize(CALENDAR.size());
    }
}
