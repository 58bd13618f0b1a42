package dev.shear.cli;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.Listing;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.jobs.BackupJobConfig;
import dev.shear.datacenter.jobs.GuestBackup;
import dev.shear.datacenter.jobs.GuestSelection;
import dev.shear.datacenter.jobs.JobRun;
import dev.shear.datacenter.jobs.JobRunner;
import dev.shear.datacenter.jobs.Jobs;
import dev.shear.datacenter.jobs.Schedule;
import dev.shear.datacenter.jobs.Scheduler;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.util.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear job list|show|create|set|remove|run`: scheduled backup jobs (Proxmox VE's datacenter
/// backup jobs). `shear scheduler` runs them on time.
@Command(name = "job", mixinStandardHelpOptions = true,
        description = {"Manage scheduled backup jobs; 'shear scheduler' runs them on time."},
        subcommands = {JobCommand.ListCmd.class, JobCommand.Show.class, JobCommand.Create.class, JobCommand.Set.class,
                JobCommand.Remove.class, JobCommand.Run.class})
public final class JobCommand {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    private JobCommand() {
    }

    static String time(Instant t) {
        return t == null ? "-" : TIME.format(t);
    }

    /// What a job runs each guest's backup with: wherever the guest is, as `shear backup` does.
    static GuestBackup guestBackup(Datacenter dc) {
        return request -> {
            try {
                return BackupCommand.runOne(dc, request, event -> { });
            } catch (IOException | InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.getMessage(), e);
            }
        };
    }

    /// A subcommand on one job.
    abstract static class OnJob implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        Jobs jobs() throws IOException {
            return new Jobs(Cli.datacenter(spec));
        }

        void say(String line) {
            Cli.out(spec).println(line);
            Cli.out(spec).flush();
        }

        /// "created backup job 'x'; next run …".
        void saySaved(Jobs jobs, String verb) throws IOException {
            Jobs.Status s = jobs.status(id, ZoneId.systemDefault());
            say(verb + " backup job '" + id + "'" + (s.next() == null ? " (disabled)" : "; next run " + time(s.next())));
        }
    }

    /// The options `create` and `set` share.
    static final class JobOptions {
        @Option(names = "--schedule", paramLabel = "EVENT",
                description = "when it runs: daily, hourly, weekly, 21:00, mon..fri 02:30, sat 03:00, */30 …")
        String schedule;
        @Option(names = "--guests", paramLabel = "all|VMID,…", description = "all guests, or a list (default all)")
        String guests;
        @Option(names = "--storage", paramLabel = "ID", description = "backup storage (content backup)")
        String storage;
        @Mixin
        VzdumpOptions vzdump;
        @Option(names = "--prune-backups", paramLabel = "keep-last=N,…|none",
                description = "retention after each guest's backup: keep-last, keep-hourly, keep-daily, keep-weekly, "
                        + "keep-monthly, keep-yearly (default none: keep all)")
        String prune;
        @Option(names = "--comment", paramLabel = "TEXT", description = "a note (one line)")
        String comment;

        /// Options `--delete` can reset, with how each is given here (null: not given).
        private Map<String, Object> resettable() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("guests", guests);
            m.put("mode", vzdump.mode);
            m.put("fleecing", vzdump.fleecing);
            m.put("performance", vzdump.performance);
            m.put("bwlimit", vzdump.bwlimitKib);
            m.put("discard-source", vzdump.discardSource);
            m.put("on-cbw-error", vzdump.onCbwError);
            m.put("cbw-timeout", vzdump.cbwTimeout);
            m.put("cbw-write-behind", vzdump.writeBehind);
            m.put("prune-backups", prune);
            m.put("comment", comment);
            return m;
        }

        /// `base` with the options given here and those named in `delete` back at their defaults,
        /// checked as a whole.
        ///
        /// @throws IllegalArgumentException for an unknown name, one that is also given a value, or
        ///                                  values the engine refuses
        BackupJobConfig update(BackupJobConfig base, List<String> delete) {
            Map<String, Object> known = resettable();
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (String raw : delete) {
                String name = raw.strip();
                if (!known.containsKey(name)) {
                    throw new IllegalArgumentException("--delete: '" + name + "' is not an option that can be reset; "
                            + "use " + String.join(", ", known.keySet()));
                }
                if (known.get(name) != null) {
                    throw new IllegalArgumentException("--" + name + " is both given and deleted");
                }
                names.add(name);
            }
            BackupRequest r = base.request(100);
            BackupRequest options = vzdump.apply(r, names, storage == null ? r.storage() : storage);
            KeepOptions keep = prune != null ? (prune.strip().equals("none") ? null
                    : KeepOptions.parse(prune).requireAny()) : names.contains("prune-backups") ? null : base.prune();
            return BackupJobConfig.of(base.id(), base.enabled(),
                    schedule == null ? base.schedule() : Schedule.parse(schedule),
                    guests != null ? GuestSelection.parse(guests)
                            : names.contains("guests") ? GuestSelection.everyGuest() : base.guests(), options, keep,
                    comment != null ? comment : names.contains("comment") ? "" : base.comment());
        }

        /// `base` with the options given here.
        BackupJobConfig apply(BackupJobConfig base) {
            return update(base, List.of());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the backup jobs with their next run.")
    static final class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Jobs jobs = new Jobs(Cli.datacenter(spec));
            Listing<Jobs.Status> all = jobs.statuses(ZoneId.systemDefault());
            PrintWriter out = Cli.out(spec);
            if (output.json()) {
                OutputOption.printJson(out, all.items().stream().map(JobCommand::json).toList());
            } else if (all.items().isEmpty()) {
                out.println("no backup jobs (add one with shear job create)");
            } else {
                Table t = new Table("ID", "ENABLED", "SCHEDULE", "GUESTS", "STORAGE", "NEXT RUN", "LAST RESULT");
                all.items().forEach(s -> t.row(s.id(), s.config().enabled() ? "yes" : "no", s.config().schedule(),
                        s.config().guests(), s.config().storage(), time(s.next()), result(s)));
                t.print(out);
                if (Scheduler.holder(jobs).isEmpty()) {
                    out.println("no scheduler runs for this datacenter: jobs run on time only while 'shear scheduler'"
                            + " runs");
                }
            }
            out.flush();
            return reportBroken(spec, all.broken());
        }
    }

    static String result(Jobs.Status s) {
        return s.runningBy() != null ? "running" : s.state().result("unfinished (its process ended)");
    }

    static int reportBroken(CommandSpec spec, List<ConfigException> broken) {
        broken.forEach(e -> Cli.err(spec).println("shear: error: " + e.getMessage()));
        Cli.err(spec).flush();
        return broken.isEmpty() ? ExitCodes.OK : ExitCodes.REFUSED;
    }

    static Map<String, Object> json(Jobs.Status s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("config", s.config());
        m.put("state", s.state());
        m.put("next", s.next());
        m.put("running", s.runningBy());
        return m;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a backup job.")
    static final class Show extends OnJob {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Jobs.Status s = jobs().status(id, ZoneId.systemDefault());
            PrintWriter out = Cli.out(spec);
            if (output.json()) {
                OutputOption.printJson(out, json(s));
                return ExitCodes.OK;
            }
            BackupJobConfig c = s.config();
            BackupRequest r = c.request(100);
            Table t = new Table("KEY", "VALUE");
            t.row("id", c.id());
            t.row("enabled", c.enabled() ? "yes" : "no");
            t.row("schedule", c.schedule());
            t.row("guests", c.guests());
            t.row("storage", c.storage());
            t.row("mode", c.incremental() ? "incremental" : "full");
            t.row("fleecing", c.fleecing());
            t.row("performance", c.performance());
            t.row("bwlimit", c.bwlimit() / 1024 + " KiB/s");
            t.row("discard-source", c.discardSource() == null ? "default (" + r.engineOptions().discardSource() + ")"
                    : c.discardSource());
            t.row("on-cbw-error", c.onCbwError() == null ? "default (" + r.engineOptions().onCbwError().optionValue()
                    + ")" : c.onCbwError());
            t.row("cbw-timeout", c.cbwTimeout() == null ? "default (" + r.engineOptions().cbwTimeoutSeconds() + " s)"
                    : c.cbwTimeout() + " s");
            t.row("cbw-write-behind", c.writeBehind() == null ? "default (" + Sizes.format(r.engineOptions().writeBehind())
                    + ")" : Sizes.format(c.writeBehind()));
            t.row("prune-backups", c.prune() == null ? "none (keep all)" : c.prune());
            t.row("comment", c.comment().isEmpty() ? "-" : c.comment());
            t.row("next run", time(s.next()));
            t.row("next runs", s.next() == null ? "-" : String.join(", ", c.schedule()
                    .next(s.state().base(), ZoneId.systemDefault(), 3).stream().map(JobCommand::time).toList()));
            t.row("last run", time(s.state().lastRun()));
            t.row("last result", result(s));
            t.row("last task", s.state().task() == null ? "-" : s.state().task());
            t.print(out);
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Add a backup job (enabled; its first run is the schedule's next time).")
    static final class Create extends OnJob {
        @Mixin
        JobOptions options;
        @Option(names = "--disabled", description = "add it disabled (it runs only with shear job run)")
        boolean disabled;

        @Override
        public Integer call() throws Exception {
            if (options.schedule == null || options.storage == null) {
                throw new IllegalArgumentException("shear job create needs --schedule and --storage");
            }
            BackupJobConfig.checkId(id);
            BackupJobConfig base = BackupJobConfig.of(id, !disabled, Schedule.parse(options.schedule),
                    GuestSelection.everyGuest(), BackupRequest.of(100, options.storage), null, "");
            BackupJobConfig c = options.apply(base);
            Jobs jobs = jobs();
            jobs.create(c, Instant.now());
            saySaved(jobs, "created");
            return ExitCodes.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Change a backup job: only the options given change; --delete resets options to their defaults.")
    static final class Set extends OnJob {
        @Mixin
        JobOptions options;
        @Option(names = "--delete", paramLabel = "OPTION", split = ",",
                description = "reset these options to their defaults (as PVE's --delete): guests, mode, fleecing, "
                        + "performance, bwlimit, discard-source, on-cbw-error, cbw-timeout, cbw-write-behind, prune-backups, "
                        + "comment")
        List<String> delete = List.of();
        @ArgGroup(exclusive = true)
        Enabled enabled;

        static final class Enabled {
            @Option(names = "--enable", description = "run it on schedule again (from now on)")
            boolean enable;
            @Option(names = "--disable", description = "stop running it on schedule")
            boolean disable;
        }

        @Override
        public Integer call() throws Exception {
            Jobs jobs = jobs();
            BackupJobConfig c = options.update(jobs.get(id), delete);
            if (enabled != null) {
                c = c.withEnabled(enabled.enable);
            }
            jobs.update(c, Instant.now());
            saySaved(jobs, "changed");
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a backup job (its backups stay).")
    static final class Remove extends OnJob {
        @Override
        public Integer call() throws Exception {
            jobs().remove(id);
            say("removed backup job '" + id + "'");
            return ExitCodes.OK;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run a backup job now (also a disabled one); exit 1 when a guest failed.")
    static final class Run extends OnJob {
        @Override
        public Integer call() throws Exception {
            Jobs jobs = jobs();
            JobRun r = new JobRunner(jobs, guestBackup(jobs.datacenter()), Clock.systemDefaultZone()).run(id, this::say);
            if (r.ok()) {
                say("backup job '" + id + "' finished (task " + r.task() + ")");
                return ExitCodes.OK;
            }
            Cli.err(spec).println("shear: error: backup job '" + id + "' failed: " + r.error() + " (log: shear tasks log "
                    + r.task() + ")");
            Cli.err(spec).flush();
            return ExitCodes.TASK_FAILED;
        }
    }
}
