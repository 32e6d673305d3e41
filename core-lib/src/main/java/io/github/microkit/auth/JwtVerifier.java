package io.github.microkit.auth;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.health.HealthCheck;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens (compact JWS) strictly: an algorithm allow-list, each key only with its own
 * algorithm, no keys or key URLs taken from the token, {@code exp} required, exact {@code iss}, a required
 * {@code aud}, {@code nbf}/{@code iat} with clock skew, a {@code typ} allow-list and size limits before any
 * decoding. Thread-safe; create one per issuer at start and share it.
 *
 * <pre>{@code
 * JwtVerifier verifier = JwtVerifier.forIssuer(JwtVerifierConfig.defaults(issuer, "orders-api"));
 * try {
 *     VerifiedToken token = verifier.verifyAuthorizationHeader(Optional.ofNullable(header)).requireScope("orders:write");
 * } catch (TokenRejectedException e) {
 *     AuthErrorResponse answer = AuthErrorResponse.of(e, "orders"); // status, WWW-Authenticate, JSON body
 * }
 * }</pre>
 */
public interface JwtVerifier extends AutoCloseable {

    /**
     * @return the verified token
     * @throws TokenRejectedException with the reason; {@code KEYS_UNAVAILABLE} (503) when no key can be obtained
     */
    VerifiedToken verify(String token);

    /** Reads the bearer token from an {@code Authorization} header value and verifies it. */
    default VerifiedToken verifyAuthorizationHeader(Optional<String> authorizationHeader) {
        return verify(BearerToken.fromAuthorizationHeader(authorizationHeader));
    }

    /** The issuers this verifier accepts. */
    Set<String> issuers();

    /**
     * Key freshness for readiness: {@code UP} with fresh keys, {@code DEGRADED} while stale keys are served
     * during a key-endpoint outage, {@code DOWN} when there are no usable keys. Never blocks.
     */
    HealthCheck keyHealth();

    /**
     * Fetches keys now; logs and returns normally when that fails, and then keeps fetching in the background
     * with a bounded backoff ({@link JwtVerifierConfig.Builder#keyWarmUpRetry}) until keys arrive or the
     * verifier is closed. Factories call it once.
     */
    void warmUp();

    /** Stops background key refreshes. */
    @Override
    void close();

    /**
     * Keys from the issuer's OIDC discovery document ({@code <issuer>/.well-known/openid-configuration} ->
     * {@code jwks_uri}). Discovery and keys are fetched in a warm-up that does not fail when the issuer is
     * away; until they arrive, verification answers 503.
     */
    static JwtVerifier forIssuer(JwtVerifierConfig config) {
        Objects.requireNonNull(config, "config");
        return started(new DefaultJwtVerifier(config, RemoteKeys.discover(config), config.algorithms()));
    }

    /** Keys from a JWKS URL (https, or http to loopback). */
    static JwtVerifier forJwksUri(JwtVerifierConfig config, URI jwksUri) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(jwksUri, "jwksUri");
        return started(new DefaultJwtVerifier(config, RemoteKeys.jwks(config, jwksUri), config.algorithms()));
    }

    /** Fixed public keys: a JWK, a JWKS (JSON) or PEM-encoded public keys. */
    static JwtVerifier forKeys(JwtVerifierConfig config, String keys) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(keys, "keys");
        return new DefaultJwtVerifier(config, StaticKeys.parse(keys), config.algorithms());
    }

    /**
     * A shared HMAC secret of at least 256 bits (refused otherwise); only {@link JwtVerifierConfig#hmacAlgorithms()}
     * are accepted, so a token signed with a public key as HMAC secret never verifies elsewhere.
     */
    static JwtVerifier forHmacSecret(JwtVerifierConfig config, byte[] secret) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(secret, "secret");
        return new DefaultJwtVerifier(config, StaticKeys.hmac(secret.clone()), config.hmacAlgorithms());
    }

    /**
     * Several issuers side by side: a token goes to the verifier of its (exactly matching) {@code iss};
     * tokens of other issuers are rejected before any key is looked up.
     */
    static JwtVerifier anyOf(List<JwtVerifier> verifiers) {
        Objects.requireNonNull(verifiers, "verifiers");
        return new MultiIssuerVerifier(verifiers);
    }

    /**
     * The verifier a service configures by environment: {@code JWT_ISSUER} (required), {@code JWT_AUDIENCE}
     * (default {@code defaultAudience}) and {@code JWT_JWKS_URI} (default: OIDC discovery of the issuer).
     * Calls {@link EnvConfig#validate()} before building, so every problem read so far, the caller's
     * included, is reported at once.
     *
     * @throws io.github.microkit.config.ConfigException listing every problem
     */
    static JwtVerifier fromEnvironment(EnvConfig env, String defaultAudience) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(defaultAudience, "defaultAudience");
        String issuer = env.required("JWT_ISSUER");
        String audience = env.string("JWT_AUDIENCE", defaultAudience);
        Optional<URI> jwks = env.uri("JWT_JWKS_URI");
        JwtVerifierConfig config = null;
        if (!issuer.isEmpty()) { // empty: already reported as missing
            try {
                config = JwtVerifierConfig.defaults(issuer, audience);
                RemoteKeys.requireSecure(jwks.orElse(URI.create(issuer)));
            } catch (IllegalArgumentException e) {
                env.problem((jwks.isPresent() ? "JWT_JWKS_URI" : "JWT_ISSUER") + ": " + e.getMessage());
            }
        }
        env.validate();
        return jwks.isPresent() ? forJwksUri(config, jwks.get()) : forIssuer(config);
    }

    private static JwtVerifier started(DefaultJwtVerifier verifier) {
        verifier.warmUp();
        return verifier;
    }
}
