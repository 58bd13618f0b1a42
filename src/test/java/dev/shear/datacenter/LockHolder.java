package dev.shear.datacenter;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/// A second process for lock tests: takes guest `vmid`'s config lock in the datacenter at `root`,
/// prints `holding`, and holds it until its standard input ends (or it is killed).
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws IOException {
        Datacenter dc = Datacenter.open(new DatacenterRoot(Path.of(args[0]), "test"), Duration.ofSeconds(30));
        dc.guests().withGuestLock(Integer.parseInt(args[1]), () -> {
            System.out.println("holding");
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
            return null;
        });
        System.out.println("released");
    }

    /// Starts the holder as a child JVM with this JVM's class path.
    static Process start(Path root, int vmid) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                root.toString(), Integer.toString(vmid)).redirectErrorStream(true).start();
    }
}
