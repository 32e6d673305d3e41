package io.github.microkit.secrets;

import io.github.microkit.health.Health;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KV v2 secret as a {@link SecretSource}, cached for the refresh interval. While Vault cannot be asked
 * (unreachable, sealed, 5xx) the last good read is served until it is older than the max staleness;
 * a denial or a missing secret is never papered over with the cache.
 */
final class VaultKvSource implements SecretSource, Maintained {

    private static final Logger LOG = LoggerFactory.getLogger(VaultKvSource.class);

    private record Entry(KvReadResult result, Instant fetchedAt) {
    }

    private final DriverKv kv;
    private final String path;
    private final Duration refresh;
    private final Duration maxStaleness;
    private final Clock clock;
    private final Object refreshLock = new Object();

    private final Duration retryPause;

    private volatile Entry entry;
    private volatile SecretAccessException failure;
    private volatile Instant failingSince;
    private volatile Instant retryNotBefore = Instant.MIN;

    VaultKvSource(DriverKv kv, String path, VaultSettings settings) {
        this.kv = kv;
        this.path = path;
        this.refresh = settings.refreshInterval();
        this.maxStaleness = settings.maxStaleness();
        this.clock = settings.clock();
        // after a failed refresh, reads serve the cache without asking again for a moment: a read must not
        // pay a connect timeout each time while Vault is away, and a recovering Vault is not stampeded
        this.retryPause = settings.checkInterval().compareTo(Duration.ofSeconds(1)) > 0
                ? settings.checkInterval() : Duration.ofSeconds(1);
    }

    @Override
    public Optional<Secret> find(String name) {
        Objects.requireNonNull(name, "name");
        Entry e = entry;
        Instant now = clock.instant();
        if (e == null || !now.isBefore(e.fetchedAt().plus(refresh))) {
            SecretAccessException failed = failure;
            if (failed != null && failed.reason().isTransient() && now.isBefore(retryNotBefore)) {
                if (e == null || now.isAfter(e.fetchedAt().plus(maxStaleness))) {
                    throw failed;
                }
            } else {
                e = refreshNow(e, now);
            }
        }
        return e.result().secret().flatMap(s -> s.get(name));
    }

    /** Reads again; on a transient failure falls back to {@code seen} if it is young enough. */
    private Entry refreshNow(Entry seen, Instant now) {
        synchronized (refreshLock) {
            Entry current = entry;
            if (current != null && current != seen && now.isBefore(current.fetchedAt().plus(refresh))) {
                return current; // another thread just refreshed
            }
            try {
                KvReadResult result = kv.read(path);
                Entry fresh = new Entry(result, clock.instant());
                entry = fresh;
                if (failure != null) {
                    LOG.info("Vault KV {}/{} readable again after {} since {}", kv.mount(), path, failure.reason(),
                            failingSince);
                }
                failure = null;
                failingSince = null;
                return fresh;
            } catch (SecretAccessException e) {
                if (failure == null) {
                    failingSince = now;
                }
                failure = e;
                retryNotBefore = clock.instant().plus(retryPause);
                if (e.reason().isTransient() && current != null
                        && !now.isAfter(current.fetchedAt().plus(maxStaleness))) {
                    LOG.warn("Vault KV {}/{}: {}; serving the value read at {} (stale for at most {})", kv.mount(),
                            path, e.reason(), current.fetchedAt(), maxStaleness);
                    return current;
                }
                throw e;
            }
        }
    }

    @Override
    public void maintain() {
        Entry e = entry;
        Instant now = clock.instant();
        if (e != null && !now.isBefore(e.fetchedAt().plus(refresh)) && !now.isBefore(retryNotBefore)) {
            try {
                refreshNow(e, now);
            } catch (SecretAccessException ex) {
                LOG.debug("Vault KV {}/{} background refresh failed: {}", kv.mount(), path, ex.reason());
            }
        }
    }

    @Override
    public Health health() {
        Entry e = entry;
        SecretAccessException f = failure;
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("path", kv.mount() + "/" + path);
        if (e != null) {
            facts.put("version", e.result().version());
            facts.put("ageSeconds", Duration.between(e.fetchedAt(), clock.instant()).toSeconds());
        }
        if (f == null) {
            return e == null ? Health.up("not read yet").withFacts(facts) : Health.up("fresh").withFacts(facts);
        }
        facts.put("failure", f.reason().name());
        facts.put("failingSince", String.valueOf(failingSince));
        if (f.reason().isTransient() && e != null && !clock.instant().isAfter(e.fetchedAt().plus(maxStaleness))) {
            return Health.degraded("Vault " + f.reason().name().toLowerCase(java.util.Locale.ROOT)
                    + ": serving the last good value").withFacts(facts);
        }
        return Health.down("cannot read " + kv.mount() + "/" + path + ": " + f.reason()).withFacts(facts);
    }

    @Override
    public String name() {
        return "kv:" + kv.mount() + "/" + path;
    }

    @Override
    public String describe() {
        return "Vault KV v2 " + kv.mount() + "/" + path;
    }

    @Override
    public String toString() {
        return "SecretSource[" + describe() + "]";
    }
}
