package dev.shear.datacenter.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.datacenter.vzdump.VzdumpFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobsTest {
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    @TempDir
    Path tmp;
    Jobs jobs;

    @BeforeEach
    void setUp() throws Exception {
        jobs = new Jobs(new VzdumpFixture(tmp.resolve("root")).dc);
    }

    static BackupJobConfig nightly() {
        return BackupJobConfig.of("nightly", true, Schedule.parse("02:00"), GuestSelection.of(List.of(101, 100)),
                BackupRequest.of(100, "backup").withFleecing(new FleecingOption(true, "fast")), KeepOptions.last(2), "");
    }

    /// Every file under the jobs directory with its content.
    private Map<Path, String> files() throws Exception {
        Path dir = jobs.dir();
        if (!Files.exists(dir)) {
            return Map.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toMap(Function.identity(), p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    @Test
    void aCreatedJobReadsBackEqualAndIsArmedAtCreation() throws Exception {
        jobs.create(nightly(), T0);
        assertThat(jobs.get("nightly")).isEqualTo(nightly());
        assertThat(jobs.list().items()).containsExactly(nightly());
        assertThat(jobs.get("nightly").guests().vmids()).containsExactly(100, 101);
        Jobs.Status s = jobs.status("nightly", ZoneOffset.UTC);
        assertThat(s.state()).isEqualTo(JobRunState.armed(T0));
        assertThat(s.next()).isEqualTo(Instant.parse("2025-01-02T02:00:00Z"));
        assertThat(s.runningBy()).isNull();
        String json = Files.readString(jobs.dir().resolve("nightly.json"));
        assertThat(json).contains("\"schema\" : 1", "\"schedule\" : \"02:00\"",
                "\"fleecing\" : \"enabled=1,storage=fast\"");
    }

    @Test
    void badJobsAreRefusedAndChangeNothing() throws Exception {
        jobs.create(nightly(), T0);
        Map<Path, String> before = files();
        BackupJobConfig n = nightly();
        assertThatThrownBy(() -> jobs.create(n, T0)).hasMessageContaining("backup job 'nightly' already exists");
        BackupJobConfig other = BackupJobConfig.of("other", true, n.schedule(), n.guests(), BackupRequest.of(100,
                "nowhere"), null, "");
        assertThatThrownBy(() -> jobs.create(other, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backup storage 'nowhere' does not exist (see shear storage list)");
        BackupJobConfig toImages = BackupJobConfig.of("other", true, n.schedule(), n.guests(),
                BackupRequest.of(100, "local"), null, "");
        assertThatThrownBy(() -> jobs.create(toImages, T0)).hasMessageContaining("storage 'local' does not hold backups");
        BackupJobConfig fleeceOnBackup = BackupJobConfig.of("other", true, n.schedule(), n.guests(),
                BackupRequest.of(100, "backup").withFleecing(new FleecingOption(true, "backup")), null, "");
        assertThatThrownBy(() -> jobs.create(fleeceOnBackup, T0))
                .hasMessageContaining("fleecing storage 'backup' does not hold images");
        BackupJobConfig ghost = n.withGuests(GuestSelection.of(List.of(100, 999)));
        assertThatThrownBy(() -> jobs.update(ghost, T0)).hasMessage("guest 999 does not exist (see shear guest list)");
        assertThatThrownBy(() -> jobs.update(other, T0)).isInstanceOf(NotFoundException.class)
                .hasMessage("backup job 'other' does not exist");
        assertThatThrownBy(() -> jobs.remove("other")).isInstanceOf(NotFoundException.class);
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void invalidValuesAreRefusedWhenTheConfigIsMade() {
        BackupJobConfig n = nightly();
        assertThatThrownBy(() -> BackupJobConfig.checkId("Nightly")).hasMessageContaining("invalid backup job id 'Nightly'");
        assertThatThrownBy(() -> new BackupJobConfig("x", true, n.schedule(), n.guests(), "backup", false, "0",
                "min-cluster-size=3K", 0, null, null, null, null, null, "")).hasMessageContaining(
                "min-cluster-size must be 0 or a power of two");
        assertThatThrownBy(() -> new BackupJobConfig("x", true, n.schedule(), n.guests(), "backup", false, "0", "",
                0, true, null, null, null, null, "")).hasMessageContaining("--discard-source needs fleecing");
        assertThatThrownBy(() -> new BackupJobConfig("x", true, n.schedule(), n.guests(), "backup", false, "0", "",
                0, null, null, null, 1L << 20, null, "")).hasMessageContaining("--cbw-write-behind needs fleecing");
        assertThatThrownBy(() -> GuestSelection.parse("100,abc")).hasMessageContaining("'abc' is not a guest id");
        assertThat(GuestSelection.idsIn(" 102,abc,, 100,102")).as("lenient: the ids a half-typed list names")
                .containsExactly(100, 102);
        assertThat(GuestSelection.idsIn(null)).isEmpty();
        assertThatThrownBy(() -> KeepOptions.parse("keep-lots=3")).hasMessageContaining("'keep-lots=3' is not a retention rule");
        assertThatThrownBy(() -> n.withPrune(new KeepOptions(0, 0, 0, 0, 0, 0))).hasMessageContaining("at least one of");
    }

    @Test
    void aDamagedJobFileIsReportedAndNeverOverwritten() throws Exception {
        jobs.create(nightly(), T0);
        Path f = jobs.dir().resolve("nightly.json");
        String typo = Files.readString(f).replace("\"comment\"", "\"coment\"");
        Files.writeString(f, typo);
        assertThat(jobs.list().items()).isEmpty();
        assertThat(jobs.list().broken()).singleElement().extracting(Throwable::getMessage).asString()
                .contains("nightly.json", "unknown field 'coment'");
        assertThatThrownBy(() -> jobs.update(nightly(), T0)).isInstanceOf(ConfigException.class);
        assertThat(Files.readString(f)).isEqualTo(typo);
        Files.writeString(f, Files.readString(f).replace("\"coment\"", "\"comment\"").replace("\"02:00\"", "\"25:00\""));
        assertThatThrownBy(() -> jobs.get("nightly")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'25:00' is not a time");
    }

    @Test
    void aNewScheduleOrReEnablingArmsTheJobAgainButOtherChangesDoNot() throws Exception {
        jobs.create(nightly(), T0);
        Instant t1 = T0.plusSeconds(86400 * 3);
        jobs.update(nightly().withComment("still nightly"), t1);
        assertThat(jobs.state("nightly").since()).isEqualTo(T0);
        jobs.update(nightly().withEnabled(false), t1);
        assertThat(jobs.status("nightly", ZoneOffset.UTC).next()).isNull();
        jobs.update(nightly(), t1);
        assertThat(jobs.state("nightly").since()).isEqualTo(t1);
        Instant t2 = t1.plusSeconds(60);
        jobs.update(nightly().withSchedule(Schedule.parse("sat 03:00")), t2);
        assertThat(jobs.state("nightly").since()).isEqualTo(t2);
    }

    @Test
    void aRunningJobCannotBeRemovedAndARemovedOneLeavesNoFiles() throws Exception {
        jobs.create(nightly(), T0);
        try (FileClaim claim = FileClaim.tryClaim(jobs.claimFile("nightly")).orElseThrow()) {
            assertThat(jobs.status("nightly", ZoneOffset.UTC).runningBy()).startsWith("this process");
            assertThatThrownBy(() -> jobs.remove("nightly")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("backup job 'nightly' is running");
            assertThat(FileClaim.tryClaim(jobs.claimFile("nightly"))).isEmpty();
        }
        jobs.remove("nightly");
        assertThat(files()).isEmpty();
        assertThatThrownBy(() -> jobs.get("nightly")).isInstanceOf(NotFoundException.class);
    }
}
