package dev.shear.app.job;

/// One point of a live chart: seconds since the backup started, and a value.
public record Sample(double seconds, double value) {
}
