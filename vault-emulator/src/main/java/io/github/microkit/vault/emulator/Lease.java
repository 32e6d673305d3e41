package io.github.microkit.vault.emulator;

import java.time.Duration;
import java.time.Instant;

/** A secret's lease: when it ends, its revoker runs (e.g. deleting a RabbitMQ user). */
final class Lease {

    /** What ends the secret when the lease is revoked or expires. */
    interface Revoker {
        void revoke() throws Exception;
    }

    final String id;
    final Instant issueTime;
    final Duration ttl;
    final Instant maxExpiry;
    final String tokenId;
    final Revoker revoker;
    Instant expiry;
    Instant lastRenewal;

    Lease(String id, Instant issueTime, Duration ttl, Duration maxTtl, String tokenId, Revoker revoker) {
        this.id = id;
        this.issueTime = issueTime;
        this.ttl = ttl;
        this.maxExpiry = issueTime.plus(maxTtl);
        this.tokenId = tokenId;
        this.revoker = revoker;
        this.expiry = issueTime.plus(ttl.compareTo(maxTtl) <= 0 ? ttl : maxTtl);
    }

    long ttlSeconds(Instant now) {
        return Math.max(0, (Duration.between(now, expiry).toMillis() + 500) / 1000);
    }

    @Override
    public String toString() {
        return "Lease[" + id + "]";
    }
}
