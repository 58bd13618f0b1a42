package dev.shear.datacenter.run;

import dev.shear.datacenter.ConfigException;
import dev.shear.datacenter.ConfigFiles;
import dev.shear.datacenter.DatacenterRoot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/// Which guests have their disks open, in any process: a guest's disks may be open in one place
/// only (a `shear run`, the app, an offline backup or restore), so two writers never share an image.
///
/// A claim is an exclusive `fcntl` lock on `run/lock/open-<vmid>.lock`, held for as long as the
/// disks are open; the kernel drops it when the process dies, however it dies, so a crash never
/// leaves a guest "open". The holder also publishes a [RunInfo] in `run/guest-<vmid>.json` (NBD
/// URIs, control socket) for others to find it; that file only counts while the lock is held.
///
/// A POSIX lock is dropped when its process closes *any* descriptor of the file, so this class
/// keeps one channel per held claim and never opens a lock file this JVM holds; probes and claims
/// are serialised JVM-wide. Thread-safe.
public final class GuestRuns {
    /// JVM-wide: lock file (real path) → the channel holding it. Guarded by the class monitor.
    private static final Map<Path, FileChannel> HELD = new HashMap<>();

    private final DatacenterRoot root;

    public GuestRuns(DatacenterRoot root) {
        this.root = root;
    }

    private Path lockFile(int vmid) throws IOException {
        Path dir = Files.createDirectories(root.lockDir());
        return dir.resolve("open-" + vmid + ".lock").toAbsolutePath().normalize();
    }

    /// The published information file of guest `vmid`.
    public Path infoFile(int vmid) {
        return root.runDir().resolve("guest-" + vmid + ".json");
    }

    /// The control socket a running guest `vmid` listens on.
    public Path controlSocket(int vmid) {
        return root.runDir().resolve("guest-" + vmid + ".sock");
    }

    /// Claims guest `vmid`'s disks for this process.
    ///
    /// @throws GuestBusyException when they are open elsewhere (the message says by whom)
    public RunClaim claim(int vmid, String purpose) throws IOException {
        Path lock = lockFile(vmid);
        synchronized (GuestRuns.class) {
            if (HELD.containsKey(lock)) {
                throw new GuestBusyException(vmid, readInfo(vmid).orElse(null));
            }
            FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl;
            try {
                fl = ch.tryLock();
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            if (fl == null) {
                ch.close();
                throw new GuestBusyException(vmid, readInfo(vmid).orElse(null));
            }
            HELD.put(lock, ch);
        }
        return new RunClaim(this, vmid, purpose, lock);
    }

    /// Releases a claim's lock (called by [RunClaim#close()]).
    void release(Path lock) throws IOException {
        synchronized (GuestRuns.class) {
            FileChannel ch = HELD.remove(lock);
            if (ch != null) {
                ch.close();
            }
        }
    }

    /// What the process that has guest `vmid` open published, or empty when nobody has it open.
    public Optional<RunInfo> holder(int vmid) throws IOException {
        Path lock = lockFile(vmid);
        synchronized (GuestRuns.class) {
            if (!HELD.containsKey(lock)) {
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    FileLock fl = ch.tryLock();
                    if (fl != null) {
                        fl.release();
                        return Optional.empty();
                    }
                }
            }
        }
        return readInfo(vmid).or(() -> Optional.of(new RunInfo(null, "unknown", Map.of(), "", null)));
    }

    private Optional<RunInfo> readInfo(int vmid) throws IOException {
        try {
            return ConfigFiles.readIfExists(infoFile(vmid), RunInfo.class);
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    void publish(int vmid, RunInfo info) throws IOException {
        Files.createDirectories(root.runDir());
        java.nio.file.Files.deleteIfExists(infoFile(vmid));
        ConfigFiles.create(infoFile(vmid), info);
    }

    void unpublish(int vmid) throws IOException {
        Files.deleteIfExists(infoFile(vmid));
    }
}
