package io.github.microkit.auth;

import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import io.github.microkit.health.HealthStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Routes each token to the verifier of its exact {@code iss}. */
final class MultiIssuerVerifier implements JwtVerifier {

    private final Map<String, JwtVerifier> byIssuer = new LinkedHashMap<>();
    private final int maxTokenLength;
    private final int maxHeaderLength;
    private final int maxJsonDepth;

    MultiIssuerVerifier(List<JwtVerifier> verifiers) {
        if (verifiers.isEmpty()) {
            throw new IllegalArgumentException("at least one verifier is required");
        }
        int tokenLength = Integer.MAX_VALUE;
        int headerLength = Integer.MAX_VALUE;
        int depth = Integer.MAX_VALUE;
        for (JwtVerifier v : verifiers) {
            Objects.requireNonNull(v, "verifier");
            for (String issuer : v.issuers()) {
                if (byIssuer.putIfAbsent(issuer, v) != null) {
                    throw new IllegalArgumentException("two verifiers for issuer " + issuer);
                }
            }
            if (v instanceof DefaultJwtVerifier d) {
                tokenLength = Math.min(tokenLength, d.config().maxTokenLength());
                headerLength = Math.min(headerLength, d.config().maxHeaderLength());
                depth = Math.min(depth, d.config().maxJsonDepth());
            }
        }
        // Routing parses the token before its own verifier does: with the strictest limits of them all.
        this.maxTokenLength = tokenLength == Integer.MAX_VALUE ? 16 * 1024 : tokenLength;
        this.maxHeaderLength = headerLength == Integer.MAX_VALUE ? 1024 : headerLength;
        this.maxJsonDepth = depth == Integer.MAX_VALUE ? 16 : depth;
    }

    @Override
    public VerifiedToken verify(String token) {
        Objects.requireNonNull(token, "token");
        String issuer = ParsedToken.parse(token, maxTokenLength, maxHeaderLength, maxJsonDepth).unverifiedIssuer();
        JwtVerifier verifier = byIssuer.get(issuer);
        if (verifier == null) {
            throw TokenRejectedException.of(Reason.WRONG_ISSUER, "iss names none of " + byIssuer.keySet());
        }
        return verifier.verify(token);
    }

    @Override
    public Set<String> issuers() {
        return Set.copyOf(byIssuer.keySet());
    }

    @Override
    public HealthCheck keyHealth() {
        return () -> {
            HealthStatus worst = HealthStatus.UP;
            Map<String, Object> facts = new LinkedHashMap<>();
            for (Map.Entry<String, JwtVerifier> e : byIssuer.entrySet()) {
                Health h = e.getValue().keyHealth().check();
                worst = worst.worse(h.status());
                facts.put(e.getKey(), h.status() + ": " + h.detail());
            }
            return new Health(worst, "keys of " + byIssuer.size() + " issuers", facts);
        };
    }

    @Override
    public void warmUp() {
        byIssuer.values().forEach(JwtVerifier::warmUp);
    }

    @Override
    public void close() {
        byIssuer.values().forEach(JwtVerifier::close);
    }
}
