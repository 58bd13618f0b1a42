package dev.shear.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shear.app.backup.LiveBackup;
import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import dev.shear.datacenter.vzdump.BackupOutcome;
import dev.shear.datacenter.vzdump.BackupRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/// Engine events are coalesced between frames: the latest progress and state per disk, every log
/// line in order.
class LiveBackupTest {
    private static BackupEvent.Progress progress(String disk, long done) {
        return new BackupEvent.Progress("j-" + disk, disk, JobState.RUNNING, done, 1000 - done, 10, -1, Instant.now());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void aDrainGivesTheLatestProgressPerDiskAndEveryLogLine(long seed) throws Exception {
        LiveBackup live = new LiveBackup(BackupRequest.of(101, "backup"), "db", List.of("scsi0", "scsi1"));
        Random r = new Random(seed);
        List<Thread> threads = new ArrayList<>();
        for (String disk : List.of("scsi0", "scsi1")) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (long done = 0; done <= 1000; done++) {
                    live.accept(progress(disk, done));
                    if (done % 100 == 0) {
                        live.accept(new BackupEvent.Log("j", disk + " " + done, Instant.now()));
                    }
                }
            }));
        }
        List<String> lines = new ArrayList<>();
        while (threads.stream().anyMatch(Thread::isAlive)) {
            var u = live.drain();
            assertThat(u.progress().size()).as("seed %d", seed).isLessThanOrEqualTo(2);
            u.log().forEach(l -> lines.add(l.message()));
            Thread.sleep(r.nextInt(3));
        }
        for (Thread t : threads) {
            t.join();
        }
        var last = live.drain();
        last.log().forEach(l -> lines.add(l.message()));
        for (String disk : List.of("scsi0", "scsi1")) {
            assertThat(lines.stream().filter(l -> l.startsWith(disk)).toList()).as("seed %d", seed)
                    .containsExactly(java.util.stream.LongStream.rangeClosed(0, 10).mapToObj(i -> disk + " " + i * 100)
                            .toArray(String[]::new));
        }
        assertThat(live.drain().isEmpty()).isTrue();
    }

    @Test
    void theLatestProgressWinsAndTheOutcomeStays() {
        LiveBackup live = new LiveBackup(BackupRequest.of(101, "backup"), "db", List.of("scsi0"));
        live.accept(progress("scsi0", 10));
        live.accept(progress("scsi0", 20));
        live.accept(new BackupEvent.StateChanged("j", "scsi0", JobState.FAILED, "disk full", Instant.now()));
        var u = live.drain();
        assertThat(u.progress()).containsOnlyKeys("scsi0");
        assertThat(u.progress().get("scsi0").bytesDone()).isEqualTo(20);
        assertThat(u.states().get("scsi0").state()).isEqualTo(JobState.FAILED);
        assertThat(u.log()).extracting(BackupEvent.Log::message).containsExactly("scsi0: disk full");
        live.finish(new BackupOutcome(false, null, "full", "disk full", null, 0, 1));
        live.finish(new BackupOutcome(true, "x", "full", null, null, 0, 1));
        assertThat(live.drain().outcome().error()).isEqualTo("disk full");
        assertThat(live.isFinished()).isTrue();
    }

    @Test
    void aCancelBeforeTheBackupStartsReachesItWhenItDoes() {
        LiveBackup live = new LiveBackup(BackupRequest.of(101, "backup"), "db", List.of("scsi0"));
        live.cancel();
        assertThat(live.jobs()).isEmpty();
        assertThat(live.isLocal()).isTrue();
    }
}
