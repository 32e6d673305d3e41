package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Leases of dynamic secrets: renew, revoke, look up, and expire on the emulator's clock. */
final class LeaseStore {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseStore.class);

    private final EmulatorClock clock;
    private final Map<String, Lease> leases = new LinkedHashMap<>();

    LeaseStore(EmulatorClock clock) {
        this.clock = clock;
    }

    /** A new lease under {@code path} (Vault's lease ids are the request path plus a random suffix). */
    Lease create(String path, Duration ttl, Duration maxTtl, Token owner, Lease.Revoker revoker) {
        Lease l = new Lease(path + "/" + TokenStore.random(18), clock.now(), ttl, maxTtl, owner.id, revoker);
        leases.put(l.id, l);
        return l;
    }

    Optional<Lease> find(String id) {
        Lease l = leases.get(id);
        if (l != null && !clock.now().isBefore(l.expiry)) {
            revoke(l);
            return Optional.empty();
        }
        return Optional.ofNullable(l);
    }

    Lease require(String id) {
        return find(id).orElseThrow(() -> ApiError.badRequest("lease not found"));
    }

    /** Renews: the new TTL is the increment (or the original TTL), capped at the lease's max TTL. */
    Lease renew(Lease l, Duration increment) {
        Instant now = clock.now();
        Instant end = now.plus(increment.isZero() ? l.ttl : increment);
        l.expiry = end.isAfter(l.maxExpiry) ? l.maxExpiry : end;
        l.lastRenewal = now;
        return l;
    }

    void revoke(Lease l) {
        if (leases.remove(l.id) == null) {
            return;
        }
        try {
            l.revoker.revoke();
            LOG.info("revoked lease {}", l.id);
        } catch (Exception e) {
            // Vault would retry; the emulator reports and forgets, so one broken broker cannot wedge it.
            LOG.warn("revoking lease {} failed: {}", l.id, e.toString());
        }
    }

    void revokeOwnedBy(Token t) {
        for (Lease l : new ArrayList<>(leases.values())) {
            if (l.tokenId.equals(t.id)) {
                revoke(l);
            }
        }
    }

    void revokePrefix(String prefix) {
        for (Lease l : new ArrayList<>(leases.values())) {
            if (l.id.startsWith(prefix)) {
                revoke(l);
            }
        }
    }

    void expire() {
        Instant now = clock.now();
        for (Lease l : new ArrayList<>(leases.values())) {
            if (!now.isBefore(l.expiry)) {
                revoke(l);
            }
        }
    }

    /** The {@code data} of sys/leases/lookup. */
    ObjectNode lookupData(Lease l) {
        Instant now = clock.now();
        ObjectNode d = Json.object();
        d.put("expire_time", Json.time(l.expiry));
        d.put("id", l.id);
        d.put("issue_time", Json.time(l.issueTime));
        if (l.lastRenewal == null) {
            d.putNull("last_renewal");
        } else {
            d.put("last_renewal", Json.time(l.lastRenewal));
        }
        d.put("renewable", true);
        d.put("ttl", l.ttlSeconds(now));
        return d;
    }

    void revokeAll() {
        for (Lease l : new ArrayList<>(leases.values())) {
            revoke(l);
        }
    }
}
