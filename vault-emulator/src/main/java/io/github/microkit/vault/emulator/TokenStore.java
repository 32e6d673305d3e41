package io.github.microkit.vault.emulator;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Tokens by id and accessor; expiry on the emulator's clock; revocation of children and leases. */
final class TokenStore {

    /** Vault's system-wide default and maximum lease TTL: 768 hours (32 days). */
    static final Duration SYSTEM_MAX_TTL = Duration.ofHours(768);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final EmulatorClock clock;
    private final Map<String, Token> byId = new HashMap<>();
    private final Map<String, Token> byAccessor = new HashMap<>();
    private final Consumer<Token> onRevoke;

    TokenStore(EmulatorClock clock, Consumer<Token> onRevoke) {
        this.clock = clock;
        this.onRevoke = onRevoke;
    }

    /** Vault's token format: "hvs." and 24 random URL-safe characters (without the encoded cluster info). */
    static String newTokenId() {
        return "hvs." + random(18);
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    Token createRoot(String id) {
        Token t = new Token(id, random(18), List.of("root"), Map.of(), "root", "auth/token/root",
                clock.now(), Duration.ZERO, Duration.ZERO, Optional.empty(), false, true, Optional.empty());
        put(t);
        return t;
    }

    /**
     * A new service token. {@code ttl} zero means the default (the max TTL); {@code maxTtl} zero means
     * the system maximum; the TTL is capped by the max TTL as Vault does.
     */
    Token create(List<String> policies, boolean noDefaultPolicy, Map<String, String> meta, String displayName,
                 String path, Duration ttl, Duration maxTtl, Duration explicitMaxTtl, boolean renewable,
                 Optional<String> parentId) {
        Instant now = clock.now();
        Duration max = maxTtl.isZero() ? SYSTEM_MAX_TTL : min(maxTtl, SYSTEM_MAX_TTL);
        if (!explicitMaxTtl.isZero()) {
            max = min(max, explicitMaxTtl);
        }
        Duration effective = ttl.isZero() ? max : min(ttl, max);
        Set<String> all = new LinkedHashSet<>();
        if (!noDefaultPolicy && !policies.contains("root")) {
            all.add("default");
        }
        all.addAll(policies);
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(String::compareTo);
        Token t = new Token(newTokenId(), random(18), sorted, meta, displayName, path, now, effective,
                explicitMaxTtl, Optional.of(now.plus(max)), renewable, parentId.isEmpty(), parentId);
        put(t);
        return t;
    }

    private void put(Token t) {
        byId.put(t.id, t);
        byAccessor.put(t.accessor, t);
    }

    /** The live token with this id; an expired one is revoked on the way. */
    Optional<Token> lookup(String id) {
        Token t = byId.get(id);
        if (t == null) {
            return Optional.empty();
        }
        if (t.expiredAt(clock.now())) {
            revoke(t);
            return Optional.empty();
        }
        return Optional.of(t);
    }

    Optional<Token> lookupByAccessor(String accessor) {
        Token t = byAccessor.get(accessor);
        return t == null ? Optional.empty() : lookup(t.id);
    }

    /**
     * Renews a token: the new TTL is the increment (or the token's original TTL), capped by its max TTL.
     * Returns a warning when capped, as Vault does.
     */
    Optional<String> renew(Token t, Duration increment) {
        if (!t.renewable) {
            throw ApiError.badRequest("lease is not renewable");
        }
        Instant now = clock.now();
        Duration want = increment.isZero() ? t.creationTtl : increment;
        Instant end = now.plus(want);
        Optional<String> warning = Optional.empty();
        if (t.maxExpiry.isPresent() && end.isAfter(t.maxExpiry.get())) {
            end = t.maxExpiry.get();
            warning = Optional.of("TTL of \"" + Durations.format(want) + "\" exceeded the effective max_ttl of \""
                    + Durations.format(Duration.between(now, end)) + "\"; TTL value is capped accordingly");
        }
        t.expiry = Optional.of(end);
        t.lastRenewal = Optional.of(now);
        return warning;
    }

    /** Revokes the token, then its children, then (through the callback) its leases. */
    void revoke(Token t) {
        if (byId.remove(t.id) == null) {
            return;
        }
        byAccessor.remove(t.accessor);
        for (Token child : new ArrayList<>(byId.values())) {
            if (child.parentId.filter(t.id::equals).isPresent()) {
                revoke(child);
            }
        }
        onRevoke.accept(t);
    }

    /** Revokes every token a login at this path prefix issued (an auth method being disabled). */
    void revokeIssuedUnder(String pathPrefix) {
        for (Token t : new ArrayList<>(byId.values())) {
            if (t.path.startsWith(pathPrefix)) {
                revoke(t);
            }
        }
    }

    /** Revokes every token whose TTL has run out. */
    void expire() {
        Instant now = clock.now();
        for (Token t : new ArrayList<>(byId.values())) {
            if (t.expiredAt(now)) {
                revoke(t);
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
