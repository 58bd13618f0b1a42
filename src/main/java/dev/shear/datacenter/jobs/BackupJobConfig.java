package dev.shear.datacenter.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.shear.backup.Perf;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.StorageConfig;
import dev.shear.datacenter.VolumeName;
import dev.shear.datacenter.archive.KeepOptions;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;
import dev.shear.datacenter.vzdump.PerformanceOption;
import java.util.regex.Pattern;

/// A scheduled backup job, as stored in `jobs/<id>.json` (Proxmox VE's datacenter backup jobs,
/// `jobs.cfg`): when it runs, which guests it backs up, with which vzdump options, and how many
/// backups it keeps afterwards.
///
/// Every value is checked by the engine's own rules when the record is made: the schedule by
/// [Schedule], the options by [BackupRequest], [FleecingOption] and [Perf], the retention by
/// [KeepOptions]. Option strings are stored in their canonical form, so a config read back equals
/// the one written.
///
/// @param id            `[a-z][a-z0-9_-]*`, at most 64 characters
/// @param enabled       whether the scheduler runs it (a disabled job still runs with "run now")
/// @param schedule      when it runs
/// @param guests        which guests, in order
/// @param storage       the backup storage
/// @param incremental   incremental backups (only what changed since the last good one on the storage)
/// @param fleecing      vzdump's fleecing property string (`enabled=0`, `enabled=1,storage=fast`)
/// @param performance   `max-workers=N,max-chunk=SIZE,min-cluster-size=SIZE`
/// @param bwlimit       bytes per second for background copying, 0 = unlimited
/// @param discardSource null for the default (on with fleecing)
/// @param onCbwError    `break-guest-write`, `break-snapshot`, or null for the default
/// @param cbwTimeout    seconds, or null for the default
/// @param writeBehind   bytes of write-behind per disk, or null for the default
/// @param prune         retention applied to each guest after its successful backup, or null for none
/// @param comment       a note for people (one line; "" for none)
public record BackupJobConfig(
        @JsonProperty(required = true) String id,
        @JsonProperty(required = true) boolean enabled,
        @JsonProperty(required = true) Schedule schedule,
        @JsonProperty(required = true) GuestSelection guests,
        @JsonProperty(required = true) String storage,
        @JsonProperty(required = true) boolean incremental,
        @JsonProperty(required = true) String fleecing,
        @JsonProperty(required = true) String performance,
        @JsonProperty(required = true) long bwlimit,
        Boolean discardSource,
        String onCbwError,
        Long cbwTimeout,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long writeBehind,
        KeepOptions prune,
        String comment) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

    public BackupJobConfig {
        checkId(id);
        if (schedule == null) {
            throw new IllegalArgumentException("backup job '" + id + "' needs a schedule (e.g. daily or mon..fri 02:30)");
        }
        if (guests == null) {
            throw new IllegalArgumentException("backup job '" + id + "' needs guests (a list of ids, or all)");
        }
        if (storage == null || storage.isBlank()) {
            throw new IllegalArgumentException("backup job '" + id + "' needs a backup storage");
        }
        StorageConfig.checkId(storage);
        fleecing = FleecingOption.parse(fleecing == null ? "0" : fleecing).toString();
        performance = PerformanceOption.format(PerformanceOption.parse(performance));
        onCbwError = onCbwError == null ? null : OnCbwError.parse(onCbwError).optionValue();
        if (prune != null) {
            prune.requireAny();
        }
        comment = comment == null ? "" : comment.strip();
        if (comment.contains("\n") || comment.contains("\r")) {
            throw new IllegalArgumentException("the comment of backup job '" + id + "' must be one line");
        }
        // the combination rules (discard-source needs fleecing, no negative limits) are BackupRequest's
        new BackupRequest(VolumeName.MIN_VMID, storage, incremental, FleecingOption.parse(fleecing),
                PerformanceOption.parse(performance), bwlimit, discardSource,
                onCbwError == null ? null : OnCbwError.parse(onCbwError), cbwTimeout, writeBehind);
    }

    /// A job whose backup options are those of `options` (its guest id is not used).
    public static BackupJobConfig of(String id, boolean enabled, Schedule schedule, GuestSelection guests,
                                     BackupRequest options, KeepOptions prune, String comment) {
        return new BackupJobConfig(id, enabled, schedule, guests, options.storage(), options.incremental(),
                options.fleecing().toString(), PerformanceOption.format(options.perf()), options.bwlimit(),
                options.discardSource(), options.onCbwError() == null ? null : options.onCbwError().optionValue(),
                options.cbwTimeout(), options.writeBehind(), prune, comment);
    }

    /// Throws unless `id` is a valid job id.
    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid backup job id '" + id
                    + "': use a lower-case letter, then letters, digits, '-' or '_' (at most 64)");
        }
    }

    /// The backup of guest `vmid` this job makes.
    public BackupRequest request(int vmid) {
        return new BackupRequest(vmid, storage, incremental, FleecingOption.parse(fleecing),
                PerformanceOption.parse(performance), bwlimit, discardSource,
                onCbwError == null ? null : OnCbwError.parse(onCbwError), cbwTimeout, writeBehind);
    }

    public BackupJobConfig withEnabled(boolean v) {
        return new BackupJobConfig(id, v, schedule, guests, storage, incremental, fleecing, performance, bwlimit,
                discardSource, onCbwError, cbwTimeout, writeBehind, prune, comment);
    }

    public BackupJobConfig withSchedule(Schedule v) {
        return new BackupJobConfig(id, enabled, v, guests, storage, incremental, fleecing, performance, bwlimit,
                discardSource, onCbwError, cbwTimeout, writeBehind, prune, comment);
    }

    public BackupJobConfig withGuests(GuestSelection v) {
        return new BackupJobConfig(id, enabled, schedule, v, storage, incremental, fleecing, performance, bwlimit,
                discardSource, onCbwError, cbwTimeout, writeBehind, prune, comment);
    }

    /// The same job with the backup options of `options`.
    public BackupJobConfig withOptions(BackupRequest options) {
        return of(id, enabled, schedule, guests, options, prune, comment);
    }

    public BackupJobConfig withPrune(KeepOptions v) {
        return new BackupJobConfig(id, enabled, schedule, guests, storage, incremental, fleecing, performance, bwlimit,
                discardSource, onCbwError, cbwTimeout, writeBehind, v, comment);
    }

    public BackupJobConfig withComment(String v) {
        return new BackupJobConfig(id, enabled, schedule, guests, storage, incremental, fleecing, performance, bwlimit,
                discardSource, onCbwError, cbwTimeout, writeBehind, prune, v);
    }
}
