package dev.shear.datacenter.vzdump;

import dev.shear.backup.BackupJob;
import dev.shear.backup.JobState;
import dev.shear.block.BlockNode;
import dev.shear.copy.BlockCopy;
import dev.shear.datacenter.archive.ContentHash;
import java.io.IOException;
import java.util.List;

/// Hashes each disk's backup image while its job copies: every range is hashed as soon as it is
/// final on the target ([BlockCopy#settledUpTo]), from page cache that was just written, so the
/// manifest's SHA-256 is ready moments after the copy ends instead of costing a second full read.
/// Runs on its own thread; a failure or a job that does not complete leaves that disk unhashed
/// (the caller then hashes the finished image).
final class HashFollower implements Runnable {
    private final List<BackupJob> jobs;
    private final List<BlockNode> images;
    /// Written by the follower thread, read after [Thread#join()].
    private final String[] hashes;
    private volatile boolean stopped;

    HashFollower(List<BackupJob> jobs, List<BlockNode> images) {
        this.jobs = jobs;
        this.images = images;
        this.hashes = new String[jobs.size()];
    }

    @Override
    public void run() {
        try {
            for (int i = 0; i < jobs.size() && !stopped; i++) {
                hashes[i] = follow(jobs.get(i), images.get(i));
                if (hashes[i] == null) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            System.getLogger(HashFollower.class.getName()).log(System.Logger.Level.INFO,
                    "hashing while copying stopped (the image will be hashed afterwards): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String follow(BackupJob job, BlockNode image) throws IOException, InterruptedException {
        BlockCopy copy = job.blockCopy();
        ContentHash hash = new ContentHash();
        long size = image.size();
        while (!stopped) {
            long end = copy.settledUpTo(hash.position());
            if (end > hash.position()) {
                hash.update(image, end, p -> { });
            } else if (hash.position() >= size) {
                return hash.hex();
            } else if (job.state().isFinal() && job.state() != JobState.COMPLETED) {
                return null;
            } else {
                Thread.sleep(20);
            }
        }
        return null;
    }

    /// Stops following (a failed backup).
    void stop() {
        stopped = true;
    }

    /// The hash of disk `i`, or null when it was not completed.
    String hash(int i) {
        return hashes[i];
    }
}
