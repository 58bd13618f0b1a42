package dev.shear.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.shear.backup.Perf;
import dev.shear.copy.OnCbwError;
import dev.shear.datacenter.vzdump.BackupRequest;
import dev.shear.datacenter.vzdump.FleecingOption;

/// A [BackupRequest] as it crosses the control socket (plain values; nulls mean "default").
public record BackupArgs(String storage, boolean incremental, String fleecing, int maxWorkers, long maxChunk,
                         long minClusterSize, long bwlimit, Boolean discardSource, String onCbwError, Long cbwTimeout,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Long writeBehind) {

    public static BackupArgs of(BackupRequest r) {
        return new BackupArgs(r.storage(), r.incremental(), r.fleecing().toString(), r.perf().maxWorkers(),
                r.perf().maxChunk(), r.perf().minClusterSize(), r.bwlimit(), r.discardSource(),
                r.onCbwError() == null ? null : r.onCbwError().optionValue(), r.cbwTimeout(), r.writeBehind());
    }

    /// The request for guest `vmid`; throws [IllegalArgumentException] for invalid values.
    public BackupRequest toRequest(int vmid) {
        return new BackupRequest(vmid, storage, incremental,
                fleecing == null ? FleecingOption.OFF : FleecingOption.parse(fleecing),
                new Perf(maxWorkers, maxChunk, minClusterSize), bwlimit, discardSource,
                onCbwError == null ? null : OnCbwError.parse(onCbwError), cbwTimeout, writeBehind);
    }
}
