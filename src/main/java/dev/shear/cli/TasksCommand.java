package dev.shear.cli;

import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.TaskId;
import dev.shear.datacenter.TaskInfo;
import dev.shear.datacenter.VolumeName;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear tasks [--vmid N]` lists tasks newest first; `shear tasks log <task-id>` prints a log.
@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = {"List tasks (backups, restores, verifications, prunes, cleanups).",
                "'shear tasks log <task-id>' prints one task's log."},
        subcommands = TasksCommand.Log.class)
public final class TasksCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;
    @Mixin
    OutputOption output;

    @Option(names = "--vmid", paramLabel = "N", description = "only this guest's tasks")
    Integer vmid;

    @Override
    public Integer call() throws Exception {
        if (vmid != null) {
            VolumeName.checkVmid(vmid);
        }
        Datacenter dc = Cli.datacenter(spec);
        List<TaskInfo> tasks = dc.tasks().list().stream().filter(t -> vmid == null || t.id().vmid() == vmid).toList();
        PrintWriter out = Cli.out(spec);
        if (output.json()) {
            OutputOption.printJson(out, tasks.stream().map(TasksCommand::json).toList());
            return ExitCodes.OK;
        }
        if (tasks.isEmpty()) {
            out.println("no tasks" + (vmid == null ? "" : " of guest " + vmid));
            out.flush();
            return ExitCodes.OK;
        }
        Table t = new Table("STARTED", "TYPE", "GUEST", "STATUS", "TASK");
        for (TaskInfo i : tasks) {
            t.row(TIME.format(i.id().start()), i.id().type(), i.id().hasGuest() ? i.id().vmid() : "-", i.status(), i.id());
        }
        t.print(out);
        return ExitCodes.OK;
    }

    private static Map<String, Object> json(TaskInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id().toString());
        m.put("type", i.id().type());
        m.put("vmid", i.id().hasGuest() ? i.id().vmid() : null);
        m.put("start", i.id().start());
        m.put("end", i.end());
        m.put("state", i.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("error", i.error());
        return m;
    }

    @Command(name = "log", mixinStandardHelpOptions = true, description = "Print a task's log.")
    static final class Log implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "TASK-ID", description = "the task id (UPID:…), see shear tasks")
        String task;

        @Override
        public Integer call() throws Exception {
            TaskId id = TaskId.parse(task);
            Datacenter dc = Cli.datacenter(spec);
            PrintWriter out = Cli.out(spec);
            dc.tasks().read(id).forEach(out::println);
            out.println("status: " + dc.tasks().info(id).status());
            out.flush();
            return ExitCodes.OK;
        }
    }
}
