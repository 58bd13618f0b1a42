package dev.shear.datacenter;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/// A task's id, modelled on Proxmox VE's UPID: it names the process that runs the task (so a
/// reader can tell a running task from one whose process died), when it started, its type and
/// guest. Its text form is also the log file's name:
///
/// `UPID:<host>:<pid, 8 hex>:<process start ticks, 8+ hex>:<start, epoch ms, hex>:<type>:<vmid or empty>:`
///
/// @param host   the host the task runs on
/// @param pid    its process
/// @param pstart its process's start time in clock ticks since boot ([ProcessOwner#startTicks()])
/// @param start  when the task started (millisecond precision)
/// @param type   what it does: lower-case letters, digits and `-` (`backup`, `restore`, `cleanup`)
/// @param vmid   the guest it works on, or 0 for none
public record TaskId(String host, long pid, long pstart, Instant start, String type, int vmid) {
    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");
    private static final Pattern TEXT = Pattern.compile(
            "UPID:([^:]+):([0-9A-F]{8,16}):([0-9A-F]{8,16}):([0-9A-F]{1,16}):([^:]+):([0-9]*):");

    public TaskId {
        if (host == null || !HOST.matcher(host).matches()) {
            throw new IllegalArgumentException("invalid task host '" + host + "'");
        }
        if (pid <= 0 || pstart < 0 || start == null) {
            throw new IllegalArgumentException("a task id needs a pid, a process start time and a start time");
        }
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("invalid task type '" + type
                    + "': use lower-case letters, digits and '-' (e.g. backup)");
        }
        if (vmid != 0) {
            VolumeName.checkVmid(vmid);
        }
    }

    /// Parses the text form.
    ///
    /// @throws IllegalArgumentException when `text` is not a task id
    public static TaskId parse(String text) {
        Matcher m = TEXT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid task id '" + text
                    + "': expected UPID:<host>:<pid>:<pstart>:<start>:<type>:<vmid>:");
        }
        int vmid = m.group(6).isEmpty() ? 0 : parseVmid(m.group(6), text);
        return new TaskId(m.group(1), Long.parseUnsignedLong(m.group(2), 16), Long.parseUnsignedLong(m.group(3), 16),
                Instant.ofEpochMilli(Long.parseUnsignedLong(m.group(4), 16)), m.group(5), vmid);
    }

    private static int parseVmid(String digits, String text) {
        if (digits.length() > 9) {
            throw new IllegalArgumentException("invalid task id '" + text + "': guest id " + digits + " is too large");
        }
        return Integer.parseInt(digits);
    }

    /// The process that runs (or ran) the task.
    public ProcessOwner owner() {
        return new ProcessOwner(host, pid, pstart, start);
    }

    /// True when the task works on a guest.
    public boolean hasGuest() {
        return vmid != 0;
    }

    /// The text form (see the type's doc).
    @Override
    public String toString() {
        return String.format("UPID:%s:%08X:%08X:%X:%s:%s:", host, pid, pstart, start.toEpochMilli(), type,
                vmid == 0 ? "" : Integer.toString(vmid));
    }
}
