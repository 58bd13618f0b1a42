package dev.shear.block.load;

/// What a load run measured. Latencies are in microseconds, counted from the moment each request
/// was *due* (so a stalled device shows as latency, not as fewer requests: no coordinated omission),
/// less the excused part of the generator's own late wake-up for it (`LoadSpec.excusedOversleep`,
/// `LoadGenerator.Issuing.next`): `oversleep` is how late those wake-ups were, and `writesFromDue`
/// the writes counted from when they were due, no oversleep excused.
public record LoadResult(Stats writes, Stats reads, Stats oversleep, Stats writesFromDue, double seconds, long errors, String firstError) {

    /// Percentiles of one kind of request.
    public record Stats(long count, double iops, long p50, long p90, long p99, long p999, long max) {
        static Stats of(LatencyHistogram h, double seconds) {
            return new Stats(h.count(), seconds > 0 ? h.count() / seconds : 0, h.percentileMicros(50),
                    h.percentileMicros(90), h.percentileMicros(99), h.percentileMicros(99.9), h.maxMicros());
        }
    }
}
