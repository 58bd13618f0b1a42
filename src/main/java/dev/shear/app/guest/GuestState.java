package dev.shear.app.guest;

import dev.shear.datacenter.ProcessOwner;
import dev.shear.datacenter.run.RunInfo;
import java.util.Map;

/// Where a guest's disks are open, as the app shows it.
public sealed interface GuestState {

    /// The short word shown in lists: `stopped`, `running`, `busy`.
    String word();

    /// A sentence for the guest view.
    String describe();

    /// NBD URIs by disk key (empty unless running).
    default Map<String, String> exports() {
        return Map.of();
    }

    /// True when guest I/O is possible (served over NBD here or elsewhere).
    default boolean isRunning() {
        return false;
    }

    /// Nobody has the disks open.
    record Stopped() implements GuestState {
        @Override
        public String word() {
            return "stopped";
        }

        @Override
        public String describe() {
            return "not running: Start serves its disks over NBD from this app";
        }
    }

    /// This app runs the guest.
    record RunningHere(Map<String, String> exports) implements GuestState {
        @Override
        public String word() {
            return "running";
        }

        @Override
        public String describe() {
            return "running in this app: its disks are served over NBD (URIs below)";
        }

        @Override
        public boolean isRunning() {
            return true;
        }
    }

    /// Another Shear process serves the guest; backups go through its control socket.
    record RunningElsewhere(RunInfo info) implements GuestState {
        @Override
        public String word() {
            return "running";
        }

        @Override
        public String describe() {
            return "running in another Shear process (" + owner(info.owner()) + ")";
        }

        @Override
        public Map<String, String> exports() {
            return info.exports();
        }

        @Override
        public boolean isRunning() {
            return true;
        }
    }

    /// Open for something else (an offline backup or a restore), here or in another process.
    record Busy(RunInfo info) implements GuestState {
        @Override
        public String word() {
            return "busy";
        }

        @Override
        public String describe() {
            return "disks open for " + info.purpose() + " (" + owner(info.owner()) + ")";
        }
    }

    private static String owner(ProcessOwner o) {
        if (o == null) {
            return "unknown process";
        }
        return o.isSameProcess(ProcessOwner.current()) ? "this app" : "pid " + o.pid();
    }
}
