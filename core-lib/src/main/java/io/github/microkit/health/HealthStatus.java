package io.github.microkit.health;

/** Ordered from best to worst: an aggregate takes the worst of its parts. */
public enum HealthStatus {
    /** Working normally. */
    UP,
    /** Working, but on a fallback (stale cached keys or secrets, a reconnect in progress). Still ready. */
    DEGRADED,
    /** Not able to do its work: not ready. */
    DOWN;

    public HealthStatus worse(HealthStatus other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
