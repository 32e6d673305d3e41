package io.github.microkit.auth;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A token whose signature, issuer, audience and time claims were checked. Holds the claims, not the token
 * itself, so it can be logged: {@link #toString()} shows issuer, subject, scopes and expiry only.
 */
public final class VerifiedToken {

    private final String issuer;
    private final Optional<String> subject;
    private final List<String> audiences;
    private final Instant expiresAt;
    private final Optional<Instant> notBefore;
    private final Optional<Instant> issuedAt;
    private final Set<String> scopes;
    private final Set<String> roles;
    private final Map<String, Object> claims;

    VerifiedToken(String issuer, Optional<String> subject, List<String> audiences, Instant expiresAt,
                  Optional<Instant> notBefore, Optional<Instant> issuedAt, Set<String> scopes, Set<String> roles,
                  Map<String, Object> claims) {
        this.issuer = issuer;
        this.subject = subject;
        this.audiences = List.copyOf(audiences);
        this.expiresAt = expiresAt;
        this.notBefore = notBefore;
        this.issuedAt = issuedAt;
        this.scopes = Set.copyOf(scopes);
        this.roles = Set.copyOf(roles);
        this.claims = claims;
    }

    public String issuer() { return issuer; }

    /** {@code sub}; client-credentials tokens of some providers have none. */
    public Optional<String> subject() { return subject; }

    public List<String> audiences() { return audiences; }

    public Instant expiresAt() { return expiresAt; }

    public Optional<Instant> notBefore() { return notBefore; }

    public Optional<Instant> issuedAt() { return issuedAt; }

    /** Scopes from {@code scope} (space-separated string) and {@code scp} (string or array), merged. */
    public Set<String> scopes() { return scopes; }

    /** Roles from the configured claim paths, merged. */
    public Set<String> roles() { return roles; }

    /** Every claim as parsed from JSON (strings, numbers, booleans, lists and maps), unmodifiable. */
    public Map<String, Object> claims() { return claims; }

    public Optional<Object> claim(String name) {
        return Optional.ofNullable(claims.get(Objects.requireNonNull(name, "name")));
    }

    /** A string claim, empty when absent or not a string. */
    public Optional<String> stringClaim(String name) {
        return claim(name).filter(String.class::isInstance).map(String.class::cast);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(Objects.requireNonNull(scope, "scope"));
    }

    public boolean hasRole(String role) {
        return roles.contains(Objects.requireNonNull(role, "role"));
    }

    /**
     * @return this token, for chaining
     * @throws TokenRejectedException {@link TokenRejectedException.Reason#INSUFFICIENT_SCOPE} (403) naming the scope
     */
    public VerifiedToken requireScope(String scope) {
        if (!hasScope(scope)) {
            throw TokenRejectedException.insufficientScope(scope);
        }
        return this;
    }

    static Set<String> scopesOf(Map<String, Object> claims) {
        Set<String> scopes = new LinkedHashSet<>();
        addScopes(scopes, claims.get("scope"));
        addScopes(scopes, claims.get("scp"));
        return scopes;
    }

    private static void addScopes(Set<String> into, Object value) {
        if (value instanceof String s) {
            for (String part : s.split(" ")) {
                if (!part.isEmpty()) {
                    into.add(part);
                }
            }
        } else if (value instanceof Collection<?> c) {
            for (Object o : c) {
                if (o instanceof String s && !s.isEmpty()) {
                    into.add(s);
                }
            }
        }
    }

    static Set<String> rolesOf(Map<String, Object> claims, List<List<String>> paths) {
        Set<String> roles = new LinkedHashSet<>();
        for (List<String> path : paths) {
            Object node = claims;
            for (String segment : path) {
                node = node instanceof Map<?, ?> m ? m.get(segment) : null;
            }
            if (node instanceof Collection<?> c) {
                for (Object o : c) {
                    if (o instanceof String s) {
                        roles.add(s);
                    }
                }
            }
        }
        return roles;
    }

    @Override
    public String toString() {
        return "VerifiedToken{iss=" + issuer + ", sub=" + subject.orElse("-") + ", scopes=" + scopes
                + ", exp=" + expiresAt + "}";
    }
}
