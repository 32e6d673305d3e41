package io.github.microkit.health;

import java.util.Map;
import java.util.Objects;

/**
 * The state of one check with a short human-readable detail and optional facts (never secrets).
 *
 * @param status  the state
 * @param detail  one sentence on why, for operators
 * @param facts   small key/value facts for the health endpoint (e.g. {@code "keysAgeSeconds": 42})
 */
public record Health(HealthStatus status, String detail, Map<String, Object> facts) {

    public Health {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        facts = Map.copyOf(facts);
    }

    public static Health up(String detail) {
        return new Health(HealthStatus.UP, detail, Map.of());
    }

    public static Health degraded(String detail) {
        return new Health(HealthStatus.DEGRADED, detail, Map.of());
    }

    public static Health down(String detail) {
        return new Health(HealthStatus.DOWN, detail, Map.of());
    }

    public Health withFacts(Map<String, Object> moreFacts) {
        return new Health(status, detail, moreFacts);
    }
}
