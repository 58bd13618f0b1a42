package dev.shear.backup;

import java.time.Instant;

/// What a running backup tells its listeners: immutable values, safe to hand to any thread.
public sealed interface BackupEvent {

    /// The job of the event.
    String jobId();

    /// Progress of one disk's job, published a few times a second while it runs and once at its end.
    ///
    /// @param bytesDone       bytes copied (including copy-before-write copies to the target)
    /// @param bytesRemaining  bytes still to copy (dirty plus in flight)
    /// @param bytesPerSecond  recent copy rate
    /// @param fleeceAllocated bytes the fleecing image occupies on disk, -1 without fleecing
    record Progress(String jobId, String disk, JobState state, long bytesDone, long bytesRemaining,
                    long bytesPerSecond, long fleeceAllocated, Instant at) implements BackupEvent {
        /// Done plus remaining.
        public long bytesTotal() {
            return bytesDone + bytesRemaining;
        }

        /// 0 … 1.
        public double fraction() {
            long total = bytesTotal();
            return total == 0 ? (state == JobState.COMPLETED ? 1 : 0) : (double) bytesDone / total;
        }
    }

    /// A job changed state; `error` is the failure's message for `FAILED`, else null.
    record StateChanged(String jobId, String disk, JobState state, String error, Instant at) implements BackupEvent {
    }

    /// A line for the task log.
    record Log(String jobId, String message, Instant at) implements BackupEvent {
    }
}
