package dev.shear.datacenter.jobs;

import dev.shear.datacenter.ConfigDirectory;
import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.IoCallable;
import dev.shear.datacenter.Listing;
import dev.shear.datacenter.NotFoundException;
import dev.shear.datacenter.StorageConfig;
import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/// The scheduled backup jobs of a datacenter (`jobs/<id>.json`, their run state in
/// `jobs/state/<id>.json`): list, get, create, update, remove.
///
/// Every change runs under the [#LOCK] lock and checks everything before it writes anything: the
/// config itself ([BackupJobConfig]), that its storages exist and hold what they must (backups;
/// images for fleecing) and that the guests it lists exist. A refused change leaves every file as
/// it was. Configs are read strictly ([ConfigFiles]); a job that is running (its claim is held, by
/// any process) cannot be removed.
///
/// Thread-safe; other processes may share the root.
public final class Jobs {
    /// The lock guarding every job config and run state.
    public static final String LOCK = "jobs";

    private final Datacenter dc;

    public Jobs(Datacenter dc) {
        this.dc = dc;
    }

    public Datacenter datacenter() {
        return dc;
    }

    /// A job with what is known about its runs.
    ///
    /// @param config    the job
    /// @param state     its runs
    /// @param next      its next scheduled run, or null when it is disabled
    /// @param runningBy who runs it now ("pid 1234 on host …"), or null when it does not run
    public record Status(BackupJobConfig config, JobRunState state, Instant next, String runningBy) {
        public String id() {
            return config.id();
        }
    }

    /// Every job, sorted by id; unreadable files are in [Listing#broken()].
    public Listing<BackupJobConfig> list() throws IOException {
        return ConfigDirectory.readAll(dir(), BackupJobConfig.class, Comparator.comparing(BackupJobConfig::id),
                (file, c) -> file.getFileName().toString().equals(c.id() + ".json") ? null
                        : "it defines backup job '" + c.id() + "' but is named " + file.getFileName());
    }

    /// Every readable job with its state and next run (times of day in `zone`).
    public Listing<Status> statuses(ZoneId zone) throws IOException {
        Listing<BackupJobConfig> all = list();
        List<Status> out = new ArrayList<>();
        List<ConfigException> broken = new ArrayList<>(all.broken());
        for (BackupJobConfig c : all.items()) {
            try {
                out.add(status(c, zone));
            } catch (ConfigException e) {
                broken.add(e);
            }
        }
        return new Listing<>(out, broken);
    }

    /// Job `id` with its state and next run.
    public Status status(String id, ZoneId zone) throws IOException {
        return status(get(id), zone);
    }

    private Status status(BackupJobConfig c, ZoneId zone) throws IOException {
        JobRunState s = state(c.id());
        return new Status(c, s, c.enabled() ? c.schedule().next(s.base(), zone) : null,
                FileClaim.holder(claimFile(c.id())).orElse(null));
    }

    /// Job `id`.
    ///
    /// @throws NotFoundException when there is none
    /// @throws ConfigException   when its file cannot be read
    public BackupJobConfig get(String id) throws IOException {
        BackupJobConfig.checkId(id);
        Path file = file(id);
        try {
            BackupJobConfig c = ConfigFiles.read(file, BackupJobConfig.class);
            if (!c.id().equals(id)) {
                throw new ConfigException(file, "it defines backup job '" + c.id() + "' but is named "
                        + file.getFileName());
            }
            return c;
        } catch (NoSuchFileException e) {
            throw new NotFoundException("backup job '" + id + "' does not exist");
        }
    }

    /// What Shear remembers of job `id`'s runs; a job without a state file (written by hand) counts
    /// as armed when its config file was last changed.
    public JobRunState state(String id) throws IOException {
        Optional<JobRunState> s = ConfigFiles.readIfExists(stateFile(id), JobRunState.class);
        if (s.isPresent()) {
            return s.get();
        }
        try {
            return JobRunState.armed(Files.getLastModifiedTime(file(id)).toInstant().truncatedTo(ChronoUnit.SECONDS));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("backup job '" + id + "' does not exist");
        }
    }

    /// Adds a job, armed at `now` (its first run is the schedule's first time after `now`).
    ///
    /// @throws IllegalArgumentException when its storages or guests do not fit (nothing is written)
    /// @throws IOException              when a job with that id exists
    public void create(BackupJobConfig config, Instant now) throws IOException {
        withLock(() -> {
            if (Files.exists(file(config.id()))) {
                throw new IllegalArgumentException("backup job '" + config.id() + "' already exists; change it with"
                        + " 'shear job set' or choose another id");
            }
            checkReferences(config);
            Files.createDirectories(stateDir());
            ConfigFiles.replace(stateFile(config.id()), JobRunState.armed(now), JobRunState.class);
            ConfigFiles.create(file(config.id()), config);
            return null;
        });
    }

    /// Replaces job `config.id()`. A changed schedule, or a job enabled again, is armed anew at
    /// `now`: times that passed while it was off or on another schedule never count as missed.
    public void update(BackupJobConfig config, Instant now) throws IOException {
        withLock(() -> {
            BackupJobConfig old = get(config.id());
            checkReferences(config);
            JobRunState s = state(config.id());
            boolean rearm = !old.schedule().equals(config.schedule()) || (config.enabled() && !old.enabled());
            ConfigFiles.replace(file(config.id()), config, BackupJobConfig.class);
            if (rearm) {
                Files.createDirectories(stateDir());
                ConfigFiles.replace(stateFile(config.id()), s.rearmed(now), JobRunState.class);
            }
            return null;
        });
    }

    /// Removes job `id` and its run state; refused while it runs. Backups it made stay.
    public void remove(String id) throws IOException {
        withLock(() -> {
            get(id);
            Optional<String> holder = FileClaim.holder(claimFile(id));
            if (holder.isPresent()) {
                throw new IllegalStateException("backup job '" + id + "' is running (" + holder.get()
                        + "); remove it when it has finished");
            }
            Files.deleteIfExists(stateFile(id));
            Files.delete(file(id));
            AtomicFiles.fsyncDirectory(dir());
            return null;
        });
    }

    /// Records the state of job `id` (by the job's runner).
    void saveState(String id, JobRunState state) throws IOException {
        withLock(() -> {
            Files.createDirectories(stateDir());
            ConfigFiles.replace(stateFile(id), state, JobRunState.class);
            return null;
        });
    }

    /// Refuses a job whose storages or listed guests do not fit.
    private void checkReferences(BackupJobConfig c) throws IOException {
        StorageConfig target = storage(c.storage(), "backup storage");
        if (!target.content().contains(Content.BACKUP)) {
            throw new IllegalArgumentException("storage '" + c.storage() + "' does not hold backups (its content is "
                    + target.content() + "); choose a storage with content backup");
        }
        var fleecing = c.request(dev.shear.datacenter.VolumeName.MIN_VMID).fleecing();
        if (fleecing.enabled()) {
            StorageConfig f = storage(fleecing.storage(), "fleecing storage");
            if (!f.content().contains(Content.IMAGES)) {
                throw new IllegalArgumentException("fleecing storage '" + f.id() + "' does not hold images; prefer a"
                        + " fast local storage with discard and thin provisioning");
            }
        }
        for (int vmid : c.guests().vmids()) {
            if (!Files.exists(dc.root().guestFile(vmid))) {
                throw new IllegalArgumentException("guest " + vmid + " does not exist (see shear guest list)");
            }
        }
    }

    private StorageConfig storage(String id, String what) throws IOException {
        try {
            return dc.storages().config(id);
        } catch (NotFoundException e) {
            throw new IllegalArgumentException(what + " '" + id + "' does not exist (see shear storage list)");
        }
    }

    private <T> T withLock(IoCallable<T> work) throws IOException {
        return dc.locks().withLock(LOCK, "the backup jobs", work);
    }

    Path dir() {
        return dc.root().jobsDir();
    }

    private Path file(String id) {
        BackupJobConfig.checkId(id);
        return dir().resolve(id + ".json");
    }

    private Path stateDir() {
        return dir().resolve("state");
    }

    private Path stateFile(String id) {
        BackupJobConfig.checkId(id);
        return stateDir().resolve(id + ".json");
    }

    /// The claim file a run of job `id` holds.
    Path claimFile(String id) {
        BackupJobConfig.checkId(id);
        return dc.root().runDir().resolve("jobs").resolve(id + ".claim");
    }

    /// The claim file the scheduler holds.
    Path schedulerClaimFile() {
        return dc.root().runDir().resolve("scheduler.claim");
    }
}
