package io.github.microkit.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named health checks aggregated into one report: the worst state wins, so one {@code DOWN} check makes
 * the service not ready, while {@code DEGRADED} keeps it ready and tells operators something is off.
 * A check that throws counts as {@code DOWN} with the exception's type as detail.
 */
public final class HealthRegistry {

    private final Map<String, HealthCheck> checks = new ConcurrentHashMap<>();

    private HealthRegistry() {
    }

    public static HealthRegistry create() {
        return new HealthRegistry();
    }

    /** Adds or replaces the check called {@code name}. */
    public HealthRegistry register(String name, HealthCheck check) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(check, "check");
        checks.put(name, check);
        return this;
    }

    public void unregister(String name) {
        checks.remove(Objects.requireNonNull(name, "name"));
    }

    /** Runs every check now. */
    public Report report() {
        Map<String, Health> results = new LinkedHashMap<>();
        HealthStatus overall = HealthStatus.UP;
        for (Map.Entry<String, HealthCheck> entry : new java.util.TreeMap<>(checks).entrySet()) {
            Health health;
            try {
                health = Objects.requireNonNull(entry.getValue().check(), "check returned null");
            } catch (RuntimeException e) {
                health = Health.down("check failed: " + e.getClass().getSimpleName());
            }
            results.put(entry.getKey(), health);
            overall = overall.worse(health.status());
        }
        return new Report(overall, results);
    }

    /**
     * @param status the worst state of all checks ({@code UP} when there are none)
     * @param checks each check's result by name, in name order
     */
    public record Report(HealthStatus status, Map<String, Health> checks) {

        public Report {
            checks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checks));
        }

        /** Ready means not {@code DOWN}: a degraded service still serves. */
        public boolean ready() {
            return status != HealthStatus.DOWN;
        }
    }
}
