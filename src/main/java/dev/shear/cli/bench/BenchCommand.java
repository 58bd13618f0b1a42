package dev.shear.cli.bench;

import picocli.CommandLine.Command;

/// `shear bench …`: benchmarks that print figures (never run as tests).
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: print figures measured on this machine against peer tools.",
        subcommands = {NodesBench.class, BackupBench.class})
public final class BenchCommand {
}
