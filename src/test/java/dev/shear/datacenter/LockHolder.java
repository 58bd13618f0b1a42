package dev.shear.datacenter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/// A second process for lock tests, run as `LockHolder <root> <vmid> hold|try|increment <n>`:
/// * `hold`: takes guest `vmid`'s config lock, prints `holding`, holds it until its standard input
///   ends (or it is killed), then prints `released`;
/// * `try`: tries the lock once with a short wait and prints `got it` or `busy`;
/// * `increment n`: adds 1 to the number in the guest's description, `n` times, each a separate
///   [Guests#update], between `ready` and `done` lines.
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws IOException {
        int vmid = Integer.parseInt(args[1]);
        if (args[2].equals("try")) {
            Datacenter quick = Datacenter.open(new DatacenterRoot(Path.of(args[0]), "test"), Duration.ofMillis(200));
            try {
                quick.guests().withGuestLock(vmid, () -> null);
                System.out.println("got it");
            } catch (LockUnavailableException e) {
                System.out.println("busy");
            }
            return;
        }
        Datacenter dc = Datacenter.open(new DatacenterRoot(Path.of(args[0]), "test"), Duration.ofSeconds(60));
        if (args[2].equals("increment")) {
            System.out.println("ready");
            System.out.flush();
            for (int i = Integer.parseInt(args[3]); i > 0; i--) {
                dc.guests().update(vmid, LockHolder::increment);
            }
            System.out.println("done");
            return;
        }
        dc.guests().withGuestLock(vmid, () -> {
            System.out.println("holding");
            System.out.flush();
            System.in.transferTo(OutputStream.nullOutputStream());
            return null;
        });
        System.out.println("released");
    }

    /// The guest with the number in its description one higher.
    static GuestConfig increment(GuestConfig c) {
        return c.withDescription(Integer.toString(Integer.parseInt(c.description()) + 1));
    }

    /// Starts a child JVM with this JVM's class path running `LockHolder root vmid args…`.
    static Process start(Path root, int vmid, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), root.toString(), Integer.toString(vmid)));
        cmd.addAll(args.length == 0 ? List.of("hold") : List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
