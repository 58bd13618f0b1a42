package dev.shear.datacenter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/// The task logs of a datacenter (`tasks/<task id>.log`, see [TaskId] and [TaskLog]): start a
/// task, list tasks with their state, read a task's log.
///
/// A task's state comes from its log's last line; a task without a result line is RUNNING while
/// its process lives and UNKNOWN ("unknown (process gone)") once that process is gone, judged by
/// pid *and* process start time, so a reused pid does not keep a dead task "running".
///
/// Thread-safe; other processes may write and read the same directory.
public final class Tasks {
    private static final System.Logger LOG = System.getLogger(Tasks.class.getName());
    private static final String SUFFIX = ".log";
    private static final int TAIL = 8192;
    /// A result line: time, then `TASK OK` or `TASK ERROR: …`.
    private static final Pattern RESULT = Pattern.compile(
            "([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z) (TASK OK|TASK ERROR: .*)");

    private final Path dir;

    Tasks(Path dir) {
        this.dir = dir;
    }

    /// Starts a task that concerns no particular guest.
    public TaskLog start(String type) throws IOException {
        return start(type, 0);
    }

    /// Starts a task of `type` for guest `vmid` (0: none): creates its log file.
    public TaskLog start(String type, int vmid) throws IOException {
        ProcessOwner me = ProcessOwner.current();
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Files.createDirectories(dir);
        while (true) {
            TaskId id = new TaskId(me.host(), me.pid(), me.startTicks(), start, type, vmid);
            try {
                FileChannel ch = FileChannel.open(fileOf(id), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
                return new TaskLog(id, ch);
            } catch (FileAlreadyExistsException sameMillisecond) {
                // another task of this process, type and guest started in the same millisecond: take the next one
                start = start.plusMillis(1);
            }
        }
    }

    /// Every task, newest first.
    public List<TaskInfo> list() throws IOException {
        List<TaskInfo> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("UPID:")
                    && p.getFileName().toString().endsWith(SUFFIX)).toList();
        } catch (NoSuchFileException e) {
            return out;
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            TaskId id;
            try {
                id = TaskId.parse(name.substring(0, name.length() - SUFFIX.length()));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring {0}: {1}", f, e.getMessage());
                continue;
            }
            out.add(info(id));
        }
        out.sort(Comparator.comparing((TaskInfo t) -> t.id().start()).reversed()
                .thenComparing(t -> t.id().toString()));
        return out;
    }

    /// How task `id` stands.
    ///
    /// @throws NotFoundException when there is no such task
    public TaskInfo info(TaskId id) throws IOException {
        Matcher m = RESULT.matcher(lastLine(fileOf(id), id));
        if (m.matches()) {
            Instant end = TaskLog.TIME.parse(m.group(1), Instant::from);
            return m.group(2).equals(TaskLog.OK_LINE) ? new TaskInfo(id, TaskState.OK, end, null)
                    : new TaskInfo(id, TaskState.ERROR, end, m.group(2).substring(TaskLog.ERROR_PREFIX.length()));
        }
        return new TaskInfo(id, id.owner().isAlive() ? TaskState.RUNNING : TaskState.UNKNOWN, null, null);
    }

    /// The lines of task `id`'s log, as written.
    ///
    /// @throws NotFoundException when there is no such task
    public List<String> read(TaskId id) throws IOException {
        try {
            return Files.readAllLines(fileOf(id), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("task " + id + " does not exist");
        }
    }

    private Path fileOf(TaskId id) {
        return dir.resolve(id + SUFFIX);
    }

    /// The last complete line of `file` ("" when it has none).
    private static String lastLine(Path file, TaskId id) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            int n = (int) Math.min(size, TAIL);
            ByteBuffer buf = ByteBuffer.allocate(n);
            while (buf.hasRemaining()) {
                if (ch.read(buf, size - n + buf.position()) < 0) {
                    break;
                }
            }
            String tail = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            int end = tail.lastIndexOf('\n');
            if (end < 0) {
                return "";
            }
            return tail.substring(tail.lastIndexOf('\n', end - 1) + 1, end);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("task " + id + " does not exist");
        }
    }

}
