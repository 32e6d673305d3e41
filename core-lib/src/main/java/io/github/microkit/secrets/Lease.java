package io.github.microkit.secrets;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One grant of a dynamic secret (e.g. a RabbitMQ user from {@code rabbitmq/creds/<role>}): its values and
 * how long Vault promises them. The lease id is not a secret (it cannot read anything) and is shown.
 */
public final class Lease {

    private final String path;
    private final String leaseId;
    private final Map<String, Secret> data;
    private final Instant issuedAt;
    private final Instant expiresAt;
    private final boolean renewable;

    Lease(String path, String leaseId, Map<String, Secret> data, Instant issuedAt, Instant expiresAt, boolean renewable) {
        this.path = path;
        this.leaseId = leaseId;
        this.data = Map.copyOf(data);
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
        this.renewable = renewable;
    }

    Lease renewedUntil(Instant newExpiry, boolean stillRenewable) {
        return new Lease(path, leaseId, data, issuedAt, newExpiry, stillRenewable);
    }

    public String path() {
        return path;
    }

    public String leaseId() {
        return leaseId;
    }

    public Optional<Secret> get(String key) {
        return Optional.ofNullable(data.get(Objects.requireNonNull(key, "key")));
    }

    /** The value under {@code key}, or a {@link SecretAccessException} naming the key and the path. */
    public Secret require(String key) {
        return get(key).orElseThrow(() -> SecretAccessException.of(SecretAccessException.Reason.NOT_FOUND,
                "Vault lease " + leaseId, path + "#" + key, "the lease has no such key"));
    }

    public Map<String, Secret> data() {
        return data;
    }

    public Instant issuedAt() {
        return issuedAt;
    }

    /** When the values stop working unless renewed (as last granted by Vault). */
    public Instant expiresAt() {
        return expiresAt;
    }

    public boolean renewable() {
        return renewable;
    }

    public Duration remaining(Instant now) {
        Duration d = Duration.between(now, expiresAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public String toString() {
        return "Lease[" + leaseId + ", keys=" + new TreeMap<>(data).keySet() + ", expiresAt=" + expiresAt + "]";
    }
}
