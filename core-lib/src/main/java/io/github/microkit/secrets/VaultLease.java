package io.github.microkit.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.LogicalResponse;
import io.github.microkit.health.Health;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A dynamic secret renewed and replaced on the client's clock. */
final class VaultLease implements LeasedSecret, Maintained {

    private static final Logger LOG = LoggerFactory.getLogger(VaultLease.class);

    private final String path;
    private final VaultSession session;
    private final VaultTransport transport;
    private final Clock clock;
    private final List<RotationListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();

    // all written under lock, read lock-free by current() and health()
    private volatile Lease current;
    private volatile Duration grantedAtStart;
    private volatile Instant actAt;
    private volatile boolean replaceNext;
    private volatile long generation;
    private volatile SecretAccessException failure;
    private volatile Instant failingSince;
    private volatile boolean closed;
    private final Runnable stopListeningForLogins;

    VaultLease(String path, VaultSession session, VaultTransport transport, VaultSettings settings) {
        this.path = path;
        this.session = session;
        this.transport = transport;
        this.clock = settings.clock();
        synchronized (lock) {
            install(acquire());
        }
        this.stopListeningForLogins = session.onLogin(state -> {
            // leases die with the token that obtained them: get new ones under the new token
            if (state.generation() != generation) {
                replaceNext = true;
                actAt = clock.instant();
            }
        });
    }

    private record Acquired(Lease lease, Duration duration, long generation) {
    }

    private Acquired acquire() {
        return session.call("read " + path, token -> {
            LogicalResponse response;
            try {
                response = transport.driver(token.token(), 1, 1).logical().read(path);
            } catch (VaultException e) {
                throw transport.failure(e, path);
            }
            int status = response.getRestResponse().getStatus();
            JsonNode body = VaultTransport.parse(response.getRestResponse().getBody());
            if (status != 200) {
                throw transport.failure(status, body, path);
            }
            String leaseId = body.path("lease_id").asText("");
            if (leaseId.isEmpty() || !body.path("data").isObject()) {
                throw SecretAccessException.vault(SecretAccessException.Reason.INVALID, transport.address(), path,
                        status, "the answer carries no lease: is this a dynamic secret?", null);
            }
            Map<String, Secret> data = new HashMap<>();
            body.path("data").properties().forEach(f -> data.put(f.getKey(),
                    Secret.of(f.getKey(), f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString())));
            Instant now = clock.instant();
            Duration duration = Duration.ofSeconds(body.path("lease_duration").asLong(0));
            boolean renewable = body.path("renewable").asBoolean(false);
            return new Acquired(new Lease(path, leaseId, data, now, now.plus(duration), renewable), duration,
                    token.generation());
        });
    }

    private void install(Acquired acquired) {
        current = acquired.lease();
        grantedAtStart = acquired.duration();
        generation = acquired.generation();
        replaceNext = !acquired.lease().renewable();
        actAt = session.nextAction(acquired.lease().issuedAt(), acquired.duration());
        LOG.info("Vault lease {} for {} obtained: {}s, renewable {}", acquired.lease().leaseId(), path,
                acquired.duration().toSeconds(), acquired.lease().renewable());
    }

    /** When the next renewal or replacement is due, on the client's clock (for tests). */
    Instant actAt() {
        return actAt;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public Lease current() {
        return current;
    }

    @Override
    public AutoCloseable onRotation(RotationListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void maintain() {
        if (closed || clock.instant().isBefore(actAt)) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                if (replaceNext) {
                    replace();
                } else {
                    renew();
                }
                failure = null;
                failingSince = null;
            } catch (SecretAccessException e) {
                if (failure == null) {
                    failingSince = clock.instant();
                }
                failure = e;
                LOG.warn("Vault lease {} for {}: {} failed ({}); the current values stay in use until {}",
                        current.leaseId(), path, replaceNext ? "replacement" : "renewal", e.reason(),
                        current.expiresAt());
            }
        }
    }

    private void renew() {
        Lease lease = current;
        long requested = Math.max(1, grantedAtStart.toSeconds());
        VaultTransport.Reply reply;
        try {
            reply = session.call("renew lease of " + path, token -> {
                VaultTransport.Reply r = transport.send("PUT", "sys/leases/renew", token.token(),
                        Map.of("lease_id", lease.leaseId(), "increment", requested), path);
                if (!r.ok()) {
                    throw transport.failure(r.status(), r.body(), path);
                }
                return r;
            });
        } catch (SecretAccessException e) {
            if (e.reason().isTransient()) {
                throw e;
            }
            // gone (revoked, expired, or its token died): a new lease is the only way on
            LOG.info("Vault lease {} for {} cannot be renewed ({}): replacing it", lease.leaseId(), path, e.reason());
            replace();
            return;
        }
        Instant now = clock.instant();
        Duration granted = Duration.ofSeconds(reply.body().path("lease_duration").asLong(0));
        boolean renewable = reply.body().path("renewable").asBoolean(false);
        current = lease.renewedUntil(now.plus(granted), renewable);
        // Vault grants less than asked when the max TTL is near: then the next step is a new lease
        replaceNext = granted.toSeconds() < requested || !renewable;
        actAt = session.nextAction(now, granted);
        LOG.debug("Vault lease {} renewed for {}s{}", lease.leaseId(), granted.toSeconds(),
                replaceNext ? " (max TTL near: will be replaced)" : "");
    }

    private void replace() {
        Lease previous = current;
        Acquired next = acquire();
        install(next);
        LOG.info("Vault lease for {} rotated: {} replaces {} (left to expire at {})", path, next.lease().leaseId(),
                previous.leaseId(), previous.expiresAt());
        for (RotationListener listener : listeners) {
            try {
                listener.rotated(previous, next.lease());
            } catch (Exception e) {
                LOG.warn("A rotation listener for {} failed: {}", path, e.getClass().getName());
            }
        }
    }

    @Override
    public Health health() {
        Lease lease = current;
        Instant now = clock.instant();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("path", path);
        facts.put("leaseId", lease.leaseId());
        facts.put("expiresAt", lease.expiresAt().toString());
        SecretAccessException f = failure;
        if (!now.isBefore(lease.expiresAt())) {
            return Health.down("lease for " + path + " expired and could not be replaced"
                    + (f == null ? "" : ": " + f.reason())).withFacts(facts);
        }
        if (f != null) {
            facts.put("failure", f.reason().name());
            facts.put("failingSince", String.valueOf(failingSince));
            return Health.degraded("lease for " + path + " could not be renewed (" + f.reason()
                    + "); valid until " + lease.expiresAt()).withFacts(facts);
        }
        return Health.up("lease for " + path + " valid").withFacts(facts);
    }

    @Override
    public String name() {
        return "lease:" + path;
    }

    @Override
    public void stop() {
        close();
    }

    @Override
    public boolean finished() {
        return closed;
    }

    @Override
    public void close() {
        Lease lease;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lease = current;
        }
        stopListeningForLogins.run();
        try {
            session.call("revoke lease of " + path, token -> {
                VaultTransport.Reply r = transport.send("PUT", "sys/leases/revoke", token.token(),
                        Map.of("lease_id", lease.leaseId()), path);
                if (!r.ok()) {
                    throw transport.failure(r.status(), r.body(), path);
                }
                return r;
            });
            LOG.info("Vault lease {} for {} revoked", lease.leaseId(), path);
        } catch (SecretAccessException e) {
            LOG.warn("Vault lease {} for {} could not be revoked ({}); it ends at {}", lease.leaseId(), path,
                    e.reason(), lease.expiresAt());
        }
    }

    @Override
    public String toString() {
        return "LeasedSecret[" + path + ", " + current + "]";
    }
}
