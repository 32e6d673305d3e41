package io.github.microkit.testing.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A token to be signed by a {@link TestIssuer}. Defaults: RS256 with the issuer's current key, {@code typ}
 * {@code JWT}, {@code iss} the issuer, {@code sub} {@code test-user}, {@code iat} now, {@code exp} in five
 * minutes, no audience and no scope. Every default can be changed or removed, so tests can also build the
 * wrong tokens a verifier must reject.
 */
public final class TokenBuilder {

    private final TestIssuer issuer;
    private JWSAlgorithm algorithm = JWSAlgorithm.RS256;
    private String keyId;
    private boolean omitKeyId;
    private JOSEObjectType type = JOSEObjectType.JWT;
    private final Map<String, Object> customHeader = new LinkedHashMap<>();
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private Instant now = Instant.now();
    private Duration lifetime = Duration.ofMinutes(5);
    private boolean withExpiry = true;

    TokenBuilder(TestIssuer issuer) {
        this.issuer = issuer;
        claims.put("iss", issuer.issuer());
        claims.put("sub", "test-user");
    }

    /** RS256, ES256 or EdDSA: signs with the issuer's current key of that algorithm. */
    public TokenBuilder algorithm(JWSAlgorithm algorithm) {
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        return this;
    }

    /** Signs with this key (published or retired) instead of the current one; its algorithm must match. */
    public TokenBuilder keyId(String keyId) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        return this;
    }

    /** Leaves {@code kid} out of the header. */
    public TokenBuilder withoutKeyId() {
        this.omitKeyId = true;
        return this;
    }

    /** The {@code typ} header; {@code null} leaves it out. */
    public TokenBuilder type(String type) {
        this.type = type == null ? null : new JOSEObjectType(type);
        return this;
    }

    /** Any other header parameter, e.g. {@code jku} for a test that it is ignored or rejected. */
    public TokenBuilder header(String name, Object value) {
        customHeader.put(Objects.requireNonNull(name, "name"), value);
        return this;
    }

    public TokenBuilder issuer(String iss) {
        return claim("iss", iss);
    }

    public TokenBuilder subject(String sub) {
        return claim("sub", sub);
    }

    public TokenBuilder audience(String... aud) {
        return claim("aud", aud.length == 1 ? aud[0] : List.of(aud));
    }

    /** Space-separated scopes in the {@code scope} claim. */
    public TokenBuilder scope(String scope) {
        return claim("scope", scope);
    }

    /** Sets a claim; {@code null} removes it. */
    public TokenBuilder claim(String name, Object value) {
        Objects.requireNonNull(name, "name");
        if (value == null) {
            claims.remove(name);
        } else {
            claims.put(name, value);
        }
        return this;
    }

    /** The instant {@code iat}, {@code exp} and {@code nbf} are computed from (default: now). */
    public TokenBuilder issuedAt(Instant now) {
        this.now = Objects.requireNonNull(now, "now");
        return this;
    }

    public TokenBuilder expiresIn(Duration lifetime) {
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
        this.withExpiry = true;
        return this;
    }

    public TokenBuilder withoutExpiry() {
        this.withExpiry = false;
        return this;
    }

    public TokenBuilder notBefore(Instant nbf) {
        return claim("nbf", nbf.getEpochSecond());
    }

    /** The claims as they will be signed. */
    public JWTClaimsSet claims() {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder();
        claims.forEach(b::claim);
        if (!claims.containsKey("iat")) {
            b.issueTime(Date.from(now));
        }
        if (withExpiry && !claims.containsKey("exp")) {
            b.expirationTime(Date.from(now.plus(lifetime)));
        }
        return b.build();
    }

    /** Signs and serializes the token. */
    public String sign() {
        return signedJwt().serialize();
    }

    public SignedJWT signedJwt() {
        String kid = keyId != null ? keyId : issuer.currentKeyId(algorithm);
        JWSHeader.Builder header = new JWSHeader.Builder(algorithm).type(type);
        if (!omitKeyId) {
            header.keyID(kid);
        }
        customHeader.forEach(header::customParam);
        SignedJWT jwt = new SignedJWT(header.build(), claims());
        try {
            jwt.sign(issuer.signer(kid));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with key " + kid, e);
        }
        return jwt;
    }
}
