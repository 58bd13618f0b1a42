package dev.shear.datacenter;

import java.nio.file.Path;
import java.util.Map;

/// Where a datacenter lives, how that place was chosen, and the layout inside it:
///
/// ```
/// <root>/datacenter.json        marker: {"schema": 1, "created": …}; a root with a newer schema is refused
/// <root>/storage/<id>.json      storage definitions (StorageConfig)
/// <root>/guests/<vmid>.json     guest configurations (GuestConfig)
/// <root>/tasks/<task id>.log    task logs (Tasks)
/// <root>/run/                   run-time files: pid files, sockets
/// <root>/run/lock/<name>.lock   lock files (Locks): datacenter, storage, guest-<vmid>
/// <root>/bitmaps/<vmid>/        persistent dirty bitmaps of a guest's disks (BitmapFile)
/// <root>/jobs/<id>.json         scheduled backup jobs (jobs.BackupJobConfig)
/// <root>/jobs/state/<id>.json   their latest runs (jobs.JobRunState)
/// <root>/run/jobs/<id>.claim    claim of a running job; run/scheduler.claim: the scheduler's
/// ```
///
/// @param path   the root directory (absolute)
/// @param source how it was chosen, for messages: `--root`, `SHEAR_ROOT`, `XDG_DATA_HOME` or `home`
public record DatacenterRoot(Path path, String source) {
    /// The environment variable naming the root when no explicit path is given.
    public static final String ENV = "SHEAR_ROOT";

    public DatacenterRoot {
        if (path == null || !path.isAbsolute()) {
            throw new IllegalArgumentException("datacenter root must be an absolute path, got " + path);
        }
        path = path.normalize();
    }

    /// The root this process uses: `explicit` (the CLI's `--root`, may be null), else `$SHEAR_ROOT`,
    /// else `$XDG_DATA_HOME/shear` (when absolute, as the XDG spec demands), else
    /// `~/.local/share/shear`. Relative paths are taken relative to the working directory.
    public static DatacenterRoot resolve(Path explicit) {
        return resolve(explicit, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /// [#resolve(Path)] with the environment and home directory given (for tests).
    public static DatacenterRoot resolve(Path explicit, Map<String, String> env, Path home) {
        if (explicit != null) {
            return new DatacenterRoot(explicit.toAbsolutePath(), "--root");
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new DatacenterRoot(Path.of(fromEnv).toAbsolutePath(), ENV);
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new DatacenterRoot(Path.of(xdg, "shear"), "XDG_DATA_HOME");
        }
        return new DatacenterRoot(home.toAbsolutePath().resolve(".local/share/shear"), "home");
    }

    /// `datacenter.json`.
    public Path infoFile() {
        return path.resolve("datacenter.json");
    }

    public Path storageDir() {
        return path.resolve("storage");
    }

    /// `storage/<id>.json` (the id is validated).
    public Path storageFile(String id) {
        StorageConfig.checkId(id);
        return storageDir().resolve(id + ".json");
    }

    public Path guestsDir() {
        return path.resolve("guests");
    }

    /// `guests/<vmid>.json` (the id is validated).
    public Path guestFile(int vmid) {
        VolumeName.checkVmid(vmid);
        return guestsDir().resolve(vmid + ".json");
    }

    public Path tasksDir() {
        return path.resolve("tasks");
    }

    /// `run/`: pid files and sockets.
    public Path runDir() {
        return path.resolve("run");
    }

    /// `run/lock/`: lock files.
    public Path lockDir() {
        return runDir().resolve("lock");
    }

    public Path bitmapsDir() {
        return path.resolve("bitmaps");
    }

    /// `bitmaps/<vmid>/`: where the engine keeps guest `vmid`'s persistent dirty bitmaps.
    public Path bitmapDir(int vmid) {
        VolumeName.checkVmid(vmid);
        return bitmapsDir().resolve(Integer.toString(vmid));
    }

    /// `jobs/`: scheduled backup jobs.
    public Path jobsDir() {
        return path.resolve("jobs");
    }

    @Override
    public String toString() {
        return path + " (from " + source + ")";
    }
}
