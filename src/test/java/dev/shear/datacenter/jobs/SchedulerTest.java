package dev.shear.datacenter.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestLock;
import dev.shear.datacenter.archive.Archives;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.BackupService;
import dev.shear.datacenter.vzdump.VzdumpFixture;
import dev.shear.testing.SteppedClock;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/// The scheduler on a real small datacenter, its time moved by a [SteppedClock].
class SchedulerTest {
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    @TempDir
    Path tmp;
    Datacenter dc;
    Jobs jobs;
    SteppedClock clock = new SteppedClock(T0, ZoneOffset.UTC);
    Scheduler scheduler;
    List<String> lines = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dc = new VzdumpFixture(tmp.resolve("root")).dc;
        jobs = new Jobs(dc);
        scheduler = new Scheduler(jobs, new JobRunner(jobs, GuestBackup.local(new BackupService(dc)), clock));
    }

    private void create(String id, String schedule, GuestSelection guests, KeepOptions prune) throws Exception {
        jobs.create(BackupJobConfig.of(id, true, Schedule.parse(schedule), guests, BackupRequest.of(100, "backup"),
                prune, ""), clock.instant());
    }

    private long archivesOf(int vmid) throws Exception {
        return new Archives(dc).list().stream().filter(a -> a.name().vmid() == vmid).count();
    }

    @Test
    void aJobRunsWhenDueRecordsItsRunAndAppliesRetention() throws Exception {
        create("nightly", "02:00", GuestSelection.of(List.of(100)), KeepOptions.last(1));
        clock.set(Instant.parse("2025-01-02T01:59:59Z"));
        assertThat(scheduler.runDue(lines::add)).isEmpty();
        assertThat(scheduler.nextDue()).contains(Instant.parse("2025-01-02T02:00:00Z"));

        clock.set(Instant.parse("2025-01-02T02:00:00Z"));
        List<JobRun> runs = scheduler.runDue(lines::add);
        assertThat(runs).singleElement().satisfies(r -> {
            assertThat(r.ok()).as(r.error()).isTrue();
            assertThat(r.guests()).extracting(JobRun.Guest::vmid).containsExactly(100);
        });
        JobRunState s = jobs.state("nightly");
        assertThat(s.lastRun()).isEqualTo(Instant.parse("2025-01-02T02:00:00Z"));
        assertThat(s.ok()).isTrue();
        assertThat(s.result("running")).isEqualTo("OK");
        assertThat(dc.tasks().info(runs.getFirst().task()).state().name()).isEqualTo("OK");
        assertThat(scheduler.runDue(lines::add)).isEmpty();
        assertThat(jobs.status("nightly", ZoneOffset.UTC).next()).isEqualTo(Instant.parse("2025-01-03T02:00:00Z"));

        clock.set(Instant.parse("2025-01-03T02:00:00Z"));
        assertThat(scheduler.runDue(lines::add)).singleElement().satisfies(r ->
                assertThat(r.guests().getFirst().pruned()).isEqualTo(1));
        assertThat(archivesOf(100)).isEqualTo(1);
        assertThat(lines).contains("job nightly: due, starting", "job nightly: backing up guest 100");
    }

    @Test
    void missedTimesWhileStoppedRunOnceAtStart() throws Exception {
        create("nightly", "02:00", GuestSelection.of(List.of(100)), null);
        clock.set(Instant.parse("2025-01-05T12:00:00Z"));
        assertThat(scheduler.due()).containsExactly("nightly");
        assertThat(scheduler.runDue(lines::add)).hasSize(1);
        assertThat(scheduler.runDue(lines::add)).isEmpty();
        assertThat(archivesOf(100)).isEqualTo(1);
        assertThat(jobs.status("nightly", ZoneOffset.UTC).next()).isEqualTo(Instant.parse("2025-01-06T02:00:00Z"));
    }

    @Test
    void disabledJobsAreNotScheduledButRunNowRunsThem() throws Exception {
        create("manual", "hourly", GuestSelection.of(List.of(102)), null);
        jobs.update(jobs.get("manual").withEnabled(false), clock.instant());
        clock.set(T0.plusSeconds(7200));
        assertThat(scheduler.due()).isEmpty();
        assertThat(scheduler.nextDue()).isEmpty();
        JobRun r = new JobRunner(jobs, GuestBackup.local(new BackupService(dc)), clock).run("manual", lines::add);
        assertThat(r.ok()).isTrue();
        assertThat(archivesOf(102)).isEqualTo(1);
    }

    @Test
    void oneGuestsFailureIsRecordedAndTheOthersAreStillBackedUp() throws Exception {
        create("all", "daily", GuestSelection.everyGuest(), null);
        dc.guests().lock(101, GuestLock.BACKUP);
        clock.set(Instant.parse("2025-01-02T00:00:00Z"));
        JobRun r = scheduler.runDue(lines::add).getFirst();
        assertThat(r.guests()).extracting(JobRun.Guest::vmid).containsExactly(100, 101, 102);
        assertThat(r.guests()).extracting(g -> g.error() == null).containsExactly(true, false, true);
        assertThat(r.error()).startsWith("guest 101: backup failed: ").contains("locked");
        JobRunState s = jobs.state("all");
        assertThat(s.ok()).isFalse();
        assertThat(s.result("")).isEqualTo("error: " + r.error());
        assertThat(archivesOf(100)).isEqualTo(1);
        assertThat(archivesOf(102)).isEqualTo(1);
    }

    @Test
    void aJobNeverRunsTwiceAtOnce() throws Exception {
        create("nightly", "02:00", GuestSelection.of(List.of(100)), null);
        clock.set(Instant.parse("2025-01-02T02:00:00Z"));
        JobRunner runner = new JobRunner(jobs, GuestBackup.local(new BackupService(dc)), clock);
        try (FileClaim other = FileClaim.tryClaim(jobs.claimFile("nightly")).orElseThrow()) {
            assertThatThrownBy(() -> runner.run("nightly", lines::add)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("backup job 'nightly' is running already");
            assertThat(scheduler.runDue(lines::add)).isEmpty();
            assertThat(lines).anyMatch(l -> l.startsWith("job nightly: not run: backup job 'nightly' is running"));
        }
        assertThat(jobs.state("nightly").lastRun()).isNull();
        assertThat(archivesOf(100)).isZero();
    }

    @Test
    void onlyOneSchedulerHoldsTheClaim() throws Exception {
        try (AutoCloseable held = scheduler.claim()) {
            assertThat(Scheduler.holder(jobs)).get().asString().startsWith("this process");
            assertThatThrownBy(scheduler::claim).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a scheduler runs already");
        }
        assertThat(Scheduler.holder(jobs)).isEmpty();
    }

    @Test
    void theLoopSleepsUntilTheNextDueTimeAtMostAMinuteAtATime() throws Exception {
        create("quarter", "*/15", GuestSelection.of(List.of(100)), null);
        List<Instant> wakes = new ArrayList<>();
        Scheduler.Sleeper sleeper = t -> {
            wakes.add(t);
            if (wakes.size() == 20) {
                throw new InterruptedException("stop");
            }
            clock.set(t);
        };
        assertThatThrownBy(() -> scheduler.loop(sleeper, lines::add)).isInstanceOf(InterruptedException.class);
        assertThat(wakes.getFirst()).isEqualTo(T0.plusSeconds(60));
        assertThat(wakes).contains(Instant.parse("2025-01-01T10:15:00Z"));
        assertThat(lines.stream().filter(l -> l.equals("job quarter: due, starting"))).hasSize(1);
        assertThat(archivesOf(100)).isEqualTo(1);
    }
}
