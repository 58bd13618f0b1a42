package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/// The process that owns something (a guest's lock, a task): host name, process id, and the
/// process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22).
///
/// [#isAlive()] compares the start time too, so a process id that the kernel reused for another
/// process after the owner died does not count as the owner (PVE's UPIDs do the same). An owner on
/// another host cannot be checked from here and counts as alive: Shear never breaks a lock it cannot
/// prove stale. (Process ids are those of this host's PID namespace.)
///
/// @param host       the host name (`/proc/sys/kernel/hostname`)
/// @param pid        the process id
/// @param startTicks the process start time in clock ticks after boot, as the kernel reports it
/// @param started    the wall-clock start time, for messages only
public record ProcessOwner(
        @JsonProperty(required = true) String host,
        @JsonProperty(required = true) long pid,
        @JsonProperty(required = true) long startTicks,
        @JsonProperty(required = true) Instant started) {
    private static final Path PROC = Path.of("/proc");
    private static final DateTimeFormatter SHOWN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    public ProcessOwner {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("owner host must not be blank");
        }
        if (pid <= 0) {
            throw new IllegalArgumentException("owner pid must be positive, got " + pid);
        }
        if (startTicks < 0) {
            throw new IllegalArgumentException("owner start time must not be negative, got " + startTicks);
        }
        if (started == null) {
            throw new IllegalArgumentException("owner start time (started) is required");
        }
    }

    /// The current process.
    public static ProcessOwner current() {
        return Current.OWNER;
    }

    /// True unless the owner is proven gone: same host, and no process with this id, or one that
    /// started at another time (the id was reused), or a zombie.
    public boolean isAlive() {
        if (!host.equals(Current.OWNER.host)) {
            return true;
        }
        try {
            Stat stat = readStat(pid);
            return stat != null && stat.startTicks == startTicks && stat.state != 'Z' && stat.state != 'X';
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell whether " + this + " is alive: " + e.getMessage(), e);
        }
    }

    /// True when `other` names the same process (host, pid and start time; `started` is for
    /// messages and is not compared).
    public boolean isSameProcess(ProcessOwner other) {
        return host.equals(other.host) && pid == other.pid && startTicks == other.startTicks;
    }

    /// "pid 1234 on host, started 2025-01-31 12:00:00".
    @Override
    public String toString() {
        return "pid " + pid + " on " + host + ", started " + SHOWN.format(started);
    }

    /// The state letter and start time of a process, or null when there is no such process.
    static Stat readStat(long pid) throws IOException {
        String text;
        Path dir = PROC.resolve(Long.toString(pid));
        try {
            text = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (!Files.exists(dir)) {
                return null;                     // it went between open and read (the read fails with ESRCH)
            }
            throw e;
        }
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'
        int close = text.lastIndexOf(')');
        String[] f = close < 0 ? new String[0] : text.substring(close + 1).trim().split(" ");
        if (f.length < 20) {
            throw new IOException("unexpected format of /proc/" + pid + "/stat: " + text);
        }
        return new Stat(f[0].charAt(0), Long.parseLong(f[19]));
    }

    /// Fields 3 (state) and 22 (start time) of `/proc/<pid>/stat`.
    record Stat(char state, long startTicks) {
    }

    private static final class Current {
        static final ProcessOwner OWNER = load();

        private static ProcessOwner load() {
            try {
                long pid = ProcessHandle.current().pid();
                String host = Files.readString(PROC.resolve("sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
                Stat stat = readStat(pid);
                Instant started = ProcessHandle.current().info().startInstant()
                        .orElse(Instant.now()).truncatedTo(ChronoUnit.MILLIS);
                return new ProcessOwner(host.isEmpty() ? "localhost" : host, pid, stat.startTicks, started);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot identify this process through /proc (Shear needs Linux): "
                        + e.getMessage(), e);
            }
        }
    }
}
