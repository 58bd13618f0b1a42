package dev.shear.datacenter.archive;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/// The result of the last `shear verify` of an archive (`verify.json` beside the manifest).
///
/// @param ok      true when every disk's content matched its recorded hash
/// @param time    when it was verified
/// @param message what failed, or "" when ok
public record Verification(@JsonProperty(required = true) boolean ok, @JsonProperty(required = true) Instant time,
                           String message) {
}
