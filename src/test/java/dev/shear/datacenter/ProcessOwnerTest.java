package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessOwnerTest {
    @TempDir
    Path tmp;

    @Test
    void theCurrentProcessIsAlive() {
        ProcessOwner me = ProcessOwner.current();
        assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(me.isAlive()).isTrue();
        assertThat(me.toString()).startsWith("pid " + me.pid() + " on " + me.host() + ", started ");
    }

    @Test
    void aReusedPidWithAnotherStartTimeIsNotTheOwner() {
        ProcessOwner me = ProcessOwner.current();
        ProcessOwner stale = new ProcessOwner(me.host(), me.pid(), me.startTicks() + 1, me.started());
        assertThat(stale.isAlive()).isFalse();
        assertThat(stale.isSameProcess(me)).isFalse();
        assertThat(new ProcessOwner(me.host(), me.pid(), me.startTicks(), Instant.EPOCH).isSameProcess(me)).isTrue();
    }

    @Test
    void aFinishedProcessIsNotAlive() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        ProcessOwner gone = new ProcessOwner(ProcessOwner.current().host(), p.pid(), 0, Instant.now());
        assertThat(gone.isAlive()).isFalse();
    }

    @Test
    void aLiveChildIsAliveUntilKilled() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            ProcessOwner.Stat stat = ProcessOwner.readStat(p.pid());
            ProcessOwner child = new ProcessOwner(ProcessOwner.current().host(), p.pid(), stat.startTicks(), Instant.now());
            assertThat(child.isAlive()).isTrue();
            p.destroyForcibly();
            p.waitFor();
            assertThat(child.isAlive()).isFalse();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aZombieIsNotAlive() throws Exception {
        // the shell's child exits once the shell has become `sleep 60`, which never reaps it (a
        // child exiting at once could be reaped by the shell before its exec)
        Process sh = new ProcessBuilder("sh", "-c", "sleep 1 & echo $!; exec sleep 60").start();
        try {
            long zombie = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(sh.getInputStream()))
                    .readLine().trim());
            ProcessOwner.Stat stat;
            do {
                stat = ProcessOwner.readStat(zombie);
                Thread.onSpinWait();
            } while (stat != null && stat.state() != 'Z');
            assertThat(stat).as("the unreaped child stays a zombie while its parent sleeps").isNotNull();
            assertThat(new ProcessOwner(ProcessOwner.current().host(), zombie, stat.startTicks(), Instant.now()).isAlive())
                    .isFalse();
        } finally {
            sh.destroyForcibly();
        }
    }

    @Test
    void statParsingCopesWithSpacesAndParenthesesInTheCommandName() throws Exception {
        Path odd = tmp.resolve("we ird) (x");
        Files.copy(Path.of("/bin/sleep"), odd);
        odd.toFile().setExecutable(true);
        Process p = new ProcessBuilder(odd.toString(), "60").start();
        try {
            ProcessOwner.Stat stat = ProcessOwner.readStat(p.pid());
            assertThat(stat).isNotNull();
            assertThat(stat.state()).isIn('R', 'S', 'D');
            assertThat(stat.startTicks()).isPositive();
            assertThat(stat.startTicks()).isGreaterThanOrEqualTo(ProcessOwner.current().startTicks());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anOwnerOnAnotherHostCannotBeProvenDeadSoCountsAsAlive() {
        assertThat(new ProcessOwner("some-other-host", 1, 1, Instant.now()).isAlive()).isTrue();
    }

    @Test
    void invalidOwnersAreRefused() {
        assertThatThrownBy(() -> new ProcessOwner("", 1, 1, Instant.now())).hasMessageContaining("host");
        assertThatThrownBy(() -> new ProcessOwner("h", 0, 1, Instant.now())).hasMessageContaining("pid must be positive");
        assertThatThrownBy(() -> new ProcessOwner("h", 1, -1, Instant.now())).hasMessageContaining("start time");
        assertThatThrownBy(() -> new ProcessOwner("h", 1, 1, null)).hasMessageContaining("started");
    }

    @Test
    void aMissingProcessHasNoStat() throws IOException {
        // pid_max is at most 2^22 on Linux, so this pid never exists
        assertThat(ProcessOwner.readStat(1L << 23)).isNull();
    }
}
