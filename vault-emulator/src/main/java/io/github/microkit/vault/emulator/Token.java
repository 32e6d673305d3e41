package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A service token. Its id is the secret; {@link #toString()} shows only the display name and accessor. */
final class Token {

    final String id;
    final String accessor;
    final List<String> policies;
    final Map<String, String> meta;
    final String displayName;
    final String path;
    final Instant creationTime;
    final Duration creationTtl;
    final Duration explicitMaxTtl;
    /** The hard end: max TTL or explicit max TTL; empty for the root token. */
    final Optional<Instant> maxExpiry;
    final boolean renewable;
    final boolean orphan;
    final Optional<String> parentId;
    Optional<Instant> expiry;
    Optional<Instant> lastRenewal = Optional.empty();

    Token(String id, String accessor, List<String> policies, Map<String, String> meta, String displayName,
          String path, Instant creationTime, Duration creationTtl, Duration explicitMaxTtl,
          Optional<Instant> maxExpiry, boolean renewable, boolean orphan, Optional<String> parentId) {
        this.id = id;
        this.accessor = accessor;
        this.policies = List.copyOf(policies);
        this.meta = Map.copyOf(meta);
        this.displayName = displayName;
        this.path = path;
        this.creationTime = creationTime;
        this.creationTtl = creationTtl;
        this.explicitMaxTtl = explicitMaxTtl;
        this.maxExpiry = maxExpiry;
        this.renewable = renewable;
        this.orphan = orphan;
        this.parentId = parentId;
        this.expiry = creationTtl.isZero() ? Optional.empty() : Optional.of(creationTime.plus(creationTtl));
    }

    boolean isRoot() {
        return policies.contains("root");
    }

    boolean expiredAt(Instant now) {
        return expiry.map(e -> !now.isBefore(e)).orElse(false);
    }

    long ttlSeconds(Instant now) {
        // Rounded, not floored: a token made with ttl=30m reports 1800, as Vault does, though a few
        // microseconds have passed since.
        return expiry.map(e -> Math.max(0, (Duration.between(now, e).toMillis() + 500) / 1000)).orElse(0L);
    }

    ObjectNode metaJson() {
        ObjectNode m = Json.object();
        meta.forEach(m::put);
        return m;
    }

    /** The {@code data} of lookup and lookup-self. */
    ObjectNode lookupData(Instant now) {
        ObjectNode d = Json.object();
        d.put("accessor", accessor);
        d.put("creation_time", creationTime.getEpochSecond());
        d.put("creation_ttl", creationTtl.getSeconds());
        d.put("display_name", displayName);
        d.put("entity_id", "");
        if (expiry.isPresent()) {
            d.put("expire_time", Json.time(expiry.get()));
        } else {
            d.putNull("expire_time");
        }
        d.put("explicit_max_ttl", explicitMaxTtl.getSeconds());
        d.put("id", id);
        d.put("issue_time", Json.time(creationTime));
        lastRenewal.ifPresent(r -> {
            d.put("last_renewal", Json.time(r));
            d.put("last_renewal_time", r.getEpochSecond());
        });
        if (meta.isEmpty()) {
            d.putNull("meta");
        } else {
            d.set("meta", metaJson());
        }
        d.put("num_uses", 0);
        d.put("orphan", orphan);
        d.put("path", path);
        d.set("policies", Json.array(policies));
        d.put("renewable", renewable);
        d.put("ttl", ttlSeconds(now));
        d.put("type", "service");
        return d;
    }

    /** The {@code auth} block of a login, token create or renew answer. */
    ObjectNode authBlock(Instant now) {
        ObjectNode a = Json.object();
        a.put("client_token", id);
        a.put("accessor", accessor);
        a.set("policies", Json.array(policies));
        a.set("token_policies", Json.array(policies));
        if (meta.isEmpty()) {
            a.putNull("metadata");
        } else {
            a.set("metadata", metaJson());
        }
        a.put("lease_duration", ttlSeconds(now));
        a.put("renewable", renewable);
        a.put("entity_id", "");
        a.put("token_type", "service");
        a.put("orphan", orphan);
        a.putNull("mfa_requirement");
        a.put("num_uses", 0);
        return a;
    }

    @Override
    public String toString() {
        return "Token[display_name=" + displayName + ", policies=" + policies + "]";
    }
}
