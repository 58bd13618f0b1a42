package dev.shear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.jobs.JobRunState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/// `shear job …` and `shear scheduler --once`, run in-process on the small demo datacenter.
class JobCommandsTest {
    @TempDir
    Path root;

    private CliRun.Result shear(String... args) {
        return CliRun.shear(root, cl -> { }, args);
    }

    private CliRun.Result ok(String... args) {
        return CliRun.ok(root, args);
    }

    private Map<Path, String> jobFiles() throws Exception {
        try (Stream<Path> s = Files.walk(root.resolve("jobs"))) {
            return s.filter(Files::isRegularFile).collect(Collectors.toMap(p -> p, p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @BeforeEach
    void setUp() {
        ok("demo", "--small");
    }

    @Test
    void createListShowSetAndRemove() throws Exception {
        CliRun.Result c = ok("job", "create", "nightly", "--schedule", "mon..fri 02:30", "--storage", "backup", "--guests",
                "101,100", "--fleecing", "enabled=1,storage=fast", "--performance", "min-cluster-size=4M",
                "--cbw-write-behind", "8M", "--prune-backups", "keep-last=3,keep-daily=7");
        assertThat(c.out()).startsWith("created backup job 'nightly'; next run ");
        CliRun.Result list = ok("job", "list");
        assertThat(list.out().lines().findFirst().orElseThrow())
                .matches("ID +ENABLED +SCHEDULE +GUESTS +STORAGE +NEXT RUN +LAST RESULT");
        assertThat(list.out()).containsPattern("nightly +yes +mon\\.\\.fri 02:30 +100,101 +backup +[0-9-]+ 02:30 +never");
        assertThat(list.out()).contains("no scheduler runs for this datacenter");
        CliRun.Result show = ok("job", "show", "nightly");
        assertThat(show.out()).containsPattern("fleecing +enabled=1,storage=fast")
                .containsPattern("performance +max-workers=16,max-chunk=0,min-cluster-size=4M")
                .containsPattern("discard-source +default \\(true\\)")
                .containsPattern("cbw-write-behind +8 MiB\n")
                .containsPattern("prune-backups +keep-last=3,keep-daily=7")
                .containsPattern("next runs +[0-9-]+ 02:30, [0-9-]+ 02:30, [0-9-]+ 02:30");

        ok("job", "set", "nightly", "--schedule", "sat 03:00", "--disable", "--prune-backups", "none");
        JsonNode j = new ObjectMapper().readTree(ok("job", "show", "nightly", "--output", "json").out());
        assertThat(j.at("/config/schedule").asText()).isEqualTo("sat 03:00");
        assertThat(j.at("/config/enabled").asBoolean()).isFalse();
        assertThat(j.at("/config/prune").isNull()).isTrue();
        assertThat(j.at("/config/fleecing").asText()).isEqualTo("enabled=1,storage=fast");
        assertThat(j.at("/next").isNull()).isTrue();

        ok("job", "set", "nightly", "--delete", "cbw-write-behind");
        assertThat(ok("job", "show", "nightly").out()).containsPattern("cbw-write-behind +default \\(32 MiB\\)\n");
        ok("job", "set", "nightly", "--cbw-write-behind", "0");
        assertThat(ok("job", "show", "nightly", "--output", "json").out()).contains("\"writeBehind\" : 0");
        ok("job", "set", "nightly", "--delete", "fleecing,performance,guests,cbw-write-behind", "--comment",
                "defaults again");
        j = new ObjectMapper().readTree(ok("job", "show", "nightly", "--output", "json").out());
        assertThat(j.at("/config/fleecing").asText()).isEqualTo("enabled=0");
        assertThat(j.at("/config/performance").asText()).isEqualTo("max-workers=16,max-chunk=0,min-cluster-size=0");
        assertThat(j.at("/config/guests/all").asBoolean()).isTrue();
        assertThat(j.at("/config/comment").asText()).isEqualTo("defaults again");
        assertThat(j.at("/config/schedule").asText()).isEqualTo("sat 03:00");
        ok("job", "set", "nightly", "--delete", "comment");
        assertThat(ok("job", "show", "nightly", "--output", "json").out()).contains("\"comment\" : \"\"");

        ok("job", "remove", "nightly");
        assertThat(ok("job", "list").out()).startsWith("no backup jobs");
        CliRun.Result gone = shear("job", "show", "nightly");
        assertThat(gone.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(gone.err()).isEqualTo("shear: error: backup job 'nightly' does not exist\n");
    }

    @Test
    void deletingAnOptionAndGivingOneThatDependsOnItAreCheckedTogether() throws Exception {
        // review of e07cfec: --delete was applied and checked before the options given with it
        ok("job", "create", "nightly", "--schedule", "daily", "--storage", "backup", "--guests", "100",
                "--fleecing", "enabled=1,storage=fast", "--cbw-write-behind", "8M", "--on-cbw-error", "break-snapshot");
        ok("job", "set", "nightly", "--delete", "fleecing", "--cbw-write-behind", "0");
        JsonNode j = new ObjectMapper().readTree(ok("job", "show", "nightly", "--output", "json").out());
        assertThat(j.at("/config/fleecing").asText()).isEqualTo("enabled=0");
        assertThat(j.at("/config/writeBehind").asLong()).isZero();

        ok("job", "set", "nightly", "--fleecing", "enabled=1,storage=fast", "--on-cbw-error", "break-guest-write");
        ok("job", "set", "nightly", "--delete", "on-cbw-error", "--cbw-write-behind", "16M");
        j = new ObjectMapper().readTree(ok("job", "show", "nightly", "--output", "json").out());
        assertThat(j.at("/config/onCbwError").isNull()).isTrue();
        assertThat(j.at("/config/writeBehind").asLong()).isEqualTo(16L << 20);

        CliRun.Result r = shear("job", "set", "nightly", "--delete", "fleecing");
        assertThat(r.exitCode()).as("write-behind left without fleecing").isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--cbw-write-behind needs fleecing");
    }

    @Test
    void badInputIsExplainedWithExitCodeTwoAndChangesNothing() throws Exception {
        ok("job", "create", "nightly", "--schedule", "daily", "--storage", "backup", "--guests", "100");
        Map<Path, String> before = jobFiles();
        Object[][] cases = {
                {new String[] {"job", "create", "x", "--schedule", "25:00", "--storage", "backup"},
                        "'25:00' is not a time (HH:MM): hour 25 is not in 0..23"},
                {new String[] {"job", "create", "x", "--schedule", "daily", "--storage", "backup", "--performance",
                        "min-cluster-size=3K"}, "min-cluster-size must be 0 or a power of two"},
                {new String[] {"job", "create", "x", "--schedule", "daily", "--storage", "local"},
                        "storage 'local' does not hold backups"},
                {new String[] {"job", "create", "x", "--schedule", "daily", "--storage", "backup", "--guests", "100,999"},
                        "guest 999 does not exist"},
                {new String[] {"job", "create", "X", "--schedule", "daily", "--storage", "backup"},
                        "invalid backup job id 'X'"},
                {new String[] {"job", "create", "x", "--storage", "backup"}, "needs --schedule and --storage"},
                {new String[] {"job", "create", "nightly", "--schedule", "daily", "--storage", "backup"},
                        "backup job 'nightly' already exists"},
                {new String[] {"job", "set", "nightly", "--prune-backups", "keep-last=0"}, "prune needs at least one"},
                {new String[] {"job", "set", "nightly", "--discard-source"}, "--discard-source needs fleecing"},
                {new String[] {"job", "set", "nightly", "--cbw-write-behind", "4M"}, "--cbw-write-behind needs fleecing"},
                {new String[] {"job", "set", "nightly", "--cbw-write-behind", "4Q"}, "--cbw-write-behind: '4Q' is not a size"},
                {new String[] {"job", "set", "nightly", "--cbw-write-behind", "2G"},
                        "cbw-write-behind must be between 0 and 1G, not 2147483648"},
                {new String[] {"job", "set", "nightly", "--enable", "--disable"}, "mutually exclusive"},
                {new String[] {"job", "set", "nightly", "--delete", "schedule"},
                        "--delete: 'schedule' is not an option that can be reset; use guests, mode, fleecing"},
                {new String[] {"job", "set", "nightly", "--delete", "comment", "--comment", "x"},
                        "--comment is both given and deleted"},
        };
        for (Object[] c : cases) {
            CliRun.Result r = shear((String[]) c[0]);
            assertThat(r.exitCode()).as(String.join(" ", (String[]) c[0]) + ": " + r.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains((String) c[1]);
        }
        assertThat(jobFiles()).isEqualTo(before);
    }

    @Test
    void runNowBacksUpEveryGuestOfTheJobAndRecordsTheResult() throws Exception {
        ok("job", "create", "two", "--schedule", "daily", "--storage", "backup", "--guests", "100,102", "--disabled");
        CliRun.Result r = ok("job", "run", "two");
        assertThat(r.out()).contains("job two: backing up guest 100", "job two: guest 102 backed up: backup:",
                "backup job 'two' finished (task UPID:");
        Datacenter dc = Datacenter.open(root);
        assertThat(new Archives(dc).list()).extracting(a -> a.name().vmid()).containsExactlyInAnyOrder(100, 102);
        assertThat(ok("job", "list").out()).containsPattern("two +no +daily +100,102 +backup +- +OK");
        CliRun.Result missing = shear("job", "run", "nope");
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.REFUSED);
    }

    @Test
    void aFailedGuestMakesTheRunExitOne() throws Exception {
        ok("job", "create", "one", "--schedule", "daily", "--storage", "backup", "--guests", "101");
        Datacenter.open(root).guests().lock(101, dev.shear.datacenter.GuestLock.BACKUP);
        CliRun.Result r = shear("job", "run", "one");
        assertThat(r.exitCode()).isEqualTo(ExitCodes.TASK_FAILED);
        assertThat(r.err()).contains("backup job 'one' failed: guest 101: backup failed:");
        assertThat(ok("job", "list").out()).containsPattern("one +yes +daily +101 +backup .* error: guest 101");
    }

    @Test
    void schedulerOnceRunsAMissedJobOnceAndThenNothing() throws Exception {
        ok("job", "create", "nightly", "--schedule", "daily", "--storage", "backup", "--guests", "100");
        // armed long ago: its times since then were missed while no scheduler ran
        ConfigFiles.replace(root.resolve("jobs/state/nightly.json"), JobRunState.armed(Instant.parse(
                "2020-01-01T00:00:00Z")), JobRunState.class);
        CliRun.Result first = ok("scheduler", "--once");
        assertThat(first.out()).contains("job nightly: due, starting", "job nightly: OK", "1 job(s) run");
        CliRun.Result second = ok("scheduler", "--once");
        assertThat(second.out()).contains("no job was due").doesNotContain("starting");
        assertThat(new Archives(Datacenter.open(root)).list()).hasSize(1);
    }

    @Test
    void aStoppedSchedulerCancelsTheRunningBackupFreesItsFleecingAndRecordsTheRunAsInterrupted() throws Exception {
        // 2 MiB at 64 KiB/s: the backup of guest 100 takes about 30 s, guest 101 would come next
        ok("job", "create", "slow", "--schedule", "daily", "--storage", "backup", "--guests", "100,101",
                "--bwlimit", "64", "--fleecing", "enabled=1,storage=fast");
        ConfigFiles.replace(root.resolve("jobs/state/slow.json"), JobRunState.armed(Instant.parse(
                "2020-01-01T00:00:00Z")), JobRunState.class);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.shear.Launcher", "--root", root.toString(), "scheduler").redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.append(line).append('\n');
                }
            } catch (java.io.IOException e) {
                out.append("reading failed: ").append(e).append('\n');
            }
        });
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!(out.toString().contains("backing up guest 100") && fleecingRecorded(100))) {
                assertThat(System.nanoTime()).as("the job's backup of guest 100 with fleecing started; output: %s", out)
                        .isLessThan(deadline);
                assertThat(p.isAlive()).as("scheduler running; output: %s", out).isTrue();
                Thread.sleep(50);
            }
            p.toHandle().destroy();      // SIGTERM, as systemctl stop (Ctrl-C runs the same hooks); keeps our pipe open
            assertThat(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("exited; output: %s", out).isTrue();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        reader.join(10_000);
        assertThat(p.exitValue()).as("killed by SIGTERM (128 + 15); output: %s", out).isEqualTo(143);
        assertThat(out.toString()).contains("scheduler stopped").doesNotContain("backing up guest 101");
        Datacenter dc = Datacenter.open(root);
        assertThat(new dev.shear.datacenter.jobs.Jobs(dc).state("slow").result("unfinished")).isEqualTo("error: interrupted");
        assertThat(fleecingRecorded(100)).as("the fleecing record is cleared").isFalse();
        try (Stream<Path> files = Files.walk(root.resolve("demo/fast"))) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains("fleece"));
        }
        for (var a : new Archives(dc).list()) {
            assertThat(a.manifest()).as("no complete backup of the cancelled guest: %s", a.id()).isEmpty();
        }
    }

    private boolean fleecingRecorded(int vmid) throws Exception {
        return !Datacenter.open(root).guests().get(vmid).fleecing().isEmpty();
    }
}
