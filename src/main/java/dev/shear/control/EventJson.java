package dev.shear.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.backup.BackupEvent;
import dev.shear.backup.JobState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/// Backup events on the control socket: `{"kind":"progress"|"state"|"log", …}`.
public final class EventJson {
    private EventJson() {
    }

    public static Map<String, Object> toJson(BackupEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job", e.jobId());
        switch (e) {
            case BackupEvent.Progress p -> {
                m.put("kind", "progress");
                m.put("disk", p.disk());
                m.put("state", p.state().name());
                m.put("done", p.bytesDone());
                m.put("remaining", p.bytesRemaining());
                m.put("rate", p.bytesPerSecond());
                m.put("fleece", p.fleeceAllocated());
                m.put("at", p.at().toString());
            }
            case BackupEvent.StateChanged s -> {
                m.put("kind", "state");
                m.put("disk", s.disk());
                m.put("state", s.state().name());
                m.put("error", s.error());
                m.put("at", s.at().toString());
            }
            case BackupEvent.Log l -> {
                m.put("kind", "log");
                m.put("message", l.message());
                m.put("at", l.at().toString());
            }
        }
        return m;
    }

    /// The event a [#toJson] map describes; null for an unknown kind (a newer peer).
    public static BackupEvent fromJson(JsonNode n) {
        String job = n.path("job").asText();
        Instant at = n.hasNonNull("at") ? Instant.parse(n.path("at").asText()) : Instant.now();
        return switch (n.path("kind").asText()) {
            case "progress" -> new BackupEvent.Progress(job, n.path("disk").asText(), JobState.valueOf(n.path("state").asText()),
                    n.path("done").asLong(), n.path("remaining").asLong(), n.path("rate").asLong(),
                    n.path("fleece").asLong(-1), at);
            case "state" -> new BackupEvent.StateChanged(job, n.path("disk").asText(),
                    JobState.valueOf(n.path("state").asText()), n.hasNonNull("error") ? n.path("error").asText() : null, at);
            case "log" -> new BackupEvent.Log(job, n.path("message").asText(), at);
            default -> null;
        };
    }
}
