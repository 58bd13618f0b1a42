package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TasksTest {
    @TempDir
    Path tmp;
    Tasks tasks;
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        Datacenter dc = Fixture.open(tmp.resolve("root"));
        tasks = dc.tasks();
        dir = dc.root().tasksDir();
    }

    @Test
    void aTaskIdNamesItsProcessTypeAndGuestAndRoundTrips() throws IOException {
        try (TaskLog log = tasks.start("backup", 100)) {
            TaskId id = log.id();
            ProcessOwner me = ProcessOwner.current();
            assertThat(id.pid()).isEqualTo(me.pid());
            assertThat(id.pstart()).isEqualTo(me.startTicks());
            assertThat(id.type()).isEqualTo("backup");
            assertThat(id.vmid()).isEqualTo(100);
            assertThat(id.toString()).startsWith("UPID:" + me.host() + ":").endsWith(":backup:100:");
            assertThat(TaskId.parse(id.toString())).isEqualTo(id);
            assertThat(dir.resolve(id + ".log")).exists();
            log.ok();
        }
        TaskId noGuest = new TaskId("h", 0x1234, 99, Instant.ofEpochMilli(1_700_000_000_123L), "cleanup", 0);
        assertThat(noGuest).hasToString("UPID:h:00001234:00000063:18BCFE5687B:cleanup::");
        assertThat(TaskId.parse(noGuest.toString())).isEqualTo(noGuest);
        assertThat(noGuest.hasGuest()).isFalse();
    }

    @Test
    void invalidTaskIdsAreRefused() {
        assertThatThrownBy(() -> TaskId.parse("UPID:h:1:2:3:backup:100:")).hasMessageContaining("invalid task id");
        assertThatThrownBy(() -> TaskId.parse("../../etc/passwd")).hasMessageContaining("invalid task id");
        assertThatThrownBy(() -> tasks.start("Back up")).hasMessageContaining("invalid task type 'Back up'");
        assertThatThrownBy(() -> tasks.start("backup", 7)).hasMessageContaining("guest id 7");
    }

    @Test
    void linesAreTimestampedAndTheResultIsTheLastLine() throws IOException {
        TaskId id;
        try (TaskLog log = tasks.start("backup", 100)) {
            id = log.id();
            log.log("starting backup of guest 100");
            assertThat(tasks.info(id).state()).isEqualTo(TaskState.RUNNING);
            log.log("disk scsi0: 50%\ndisk scsi0: 100%");
            log.ok();
            assertThatThrownBy(() -> log.log("late")).isInstanceOf(IllegalStateException.class);
        }
        List<String> lines = tasks.read(id);
        assertThat(lines).hasSize(4);
        assertThat(lines).allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z .*"));
        assertThat(lines).extracting(l -> l.substring(25)).containsExactly("starting backup of guest 100",
                "disk scsi0: 50%", "disk scsi0: 100%", "TASK OK");
        TaskInfo info = tasks.info(id);
        assertThat(info.state()).isEqualTo(TaskState.OK);
        assertThat(info.status()).isEqualTo("OK");
        assertThat(info.end()).isAfterOrEqualTo(id.start());
    }

    @Test
    void aFailedTaskShowsItsErrorOnOneLine() throws IOException {
        TaskId id;
        try (TaskLog log = tasks.start("restore", 100)) {
            id = log.id();
            log.fail("target full\nwhile writing scsi0");
        }
        TaskInfo info = tasks.info(id);
        assertThat(info.state()).isEqualTo(TaskState.ERROR);
        assertThat(info.error()).isEqualTo("target full while writing scsi0");
        assertThat(info.status()).isEqualTo("error: target full while writing scsi0");
    }

    @Test
    void closingWithoutAResultRecordsAnError() throws IOException {
        TaskId id;
        try (TaskLog log = tasks.start("cleanup")) {
            id = log.id();
        }
        assertThat(tasks.info(id).status()).isEqualTo("error: task ended without a result");
    }

    @Test
    void loggedTextCannotForgeAResult() throws IOException {
        try (TaskLog log = tasks.start("backup", 100)) {
            log.log("TASK OK");
            log.log("TASK ERROR: fake");
            assertThat(tasks.info(log.id()).state()).isEqualTo(TaskState.RUNNING);
            log.ok();
        }
    }

    @Test
    void aTaskWhoseProcessDiedIsUnknownNotRunning() throws IOException {
        ProcessOwner me = ProcessOwner.current();
        TaskId orphan = new TaskId(me.host(), me.pid(), me.startTicks() + 1, Instant.parse("2025-01-01T00:00:00Z"), "backup", 100);
        Files.writeString(dir.resolve(orphan + ".log"), "2025-01-01T00:00:00.000Z starting\n2025-01-01T00:00:01.000Z disk scsi0: 10%\n");
        TaskInfo info = tasks.info(orphan);
        assertThat(info.state()).isEqualTo(TaskState.UNKNOWN);
        assertThat(info.status()).isEqualTo("unknown (process gone)");
        assertThat(info.end()).isNull();
    }

    @Test
    void theListIsNewestFirstAndSkipsOtherFiles() throws IOException {
        TaskId old = new TaskId("h", 1, 1, Instant.parse("2025-01-01T00:00:00Z"), "backup", 100);
        Files.writeString(dir.resolve(old + ".log"), "2025-01-01T00:00:05.000Z TASK OK\n");
        TaskId a;
        TaskId b;
        try (TaskLog la = tasks.start("backup", 100); TaskLog lb = tasks.start("backup", 100)) {
            a = la.id();
            b = lb.id();
            la.ok();
        }
        assertThat(b.start()).as("two tasks in one millisecond get distinct ids").isAfter(a.start());
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.writeString(dir.resolve("UPID:garbage.log"), "x");
        List<TaskInfo> list = tasks.list();
        assertThat(list).extracting(TaskInfo::id).containsExactly(b, a, old);
        assertThat(list).extracting(TaskInfo::status).containsExactly("error: task ended without a result", "OK", "OK");
        assertThat(list.get(2).end()).isEqualTo(Instant.parse("2025-01-01T00:00:05Z"));
    }

    @Test
    void unknownTasksAreNotFound() {
        TaskId missing = new TaskId("h", 1, 1, Instant.EPOCH, "backup", 0);
        assertThatThrownBy(() -> tasks.info(missing)).isInstanceOf(NotFoundException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> tasks.read(missing)).isInstanceOf(NotFoundException.class);
    }
}
