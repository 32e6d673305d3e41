package io.github.microkit.auth;

import io.github.microkit.MicrokitException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A request's bearer token was not accepted, with the {@link Reason} as a code that maps to one HTTP answer
 * ({@link AuthErrorResponse#of}). The message is for operators and never contains the token; the answer a
 * client sees carries only a generic description, so a probing client learns nothing from it.
 */
public final class TokenRejectedException extends MicrokitException {

    /** Why a token was not accepted, each with the HTTP status it maps to. */
    public enum Reason {
        /** No {@code Authorization} header, or another scheme than Bearer: 401 without an error code. */
        MISSING_CREDENTIALS(401),
        /** An {@code Authorization: Bearer} header that is not well formed: 400 {@code invalid_request}. */
        MALFORMED_REQUEST(400),
        /** Not a compact JWS: segments, base64url, UTF-8, JSON, nesting or claim types. */
        MALFORMED_TOKEN(401),
        /** The token or its header is larger than the configured limit (checked before decoding). */
        TOKEN_TOO_LARGE(401),
        /** {@code alg: none} in any letter case. */
        UNSIGNED(401),
        /** A JWE where a signed token is expected. */
        ENCRYPTED(401),
        /** {@code alg} not in the allow-list. */
        ALGORITHM_NOT_ALLOWED(401),
        /** {@code jku}, {@code x5u}, {@code jwk} or {@code x5c}: keys are never taken from the token. */
        HEADER_NOT_ALLOWED(401),
        /** A {@code crit} entry (or {@code b64}) this verifier does not implement. */
        UNSUPPORTED_CRITICAL_HEADER(401),
        /** {@code typ} not in the allow-list. */
        TYPE_NOT_ALLOWED(401),
        /** No trusted key matches {@code kid}, algorithm and key type. */
        UNKNOWN_KEY(401),
        /** The signature does not verify. */
        BAD_SIGNATURE(401),
        /** No {@code exp} claim. */
        MISSING_EXPIRY(401),
        /** {@code exp} is in the past (beyond the clock skew). */
        EXPIRED(401),
        /** {@code nbf} is in the future (beyond the clock skew). */
        NOT_YET_VALID(401),
        /** {@code iat} is in the future (beyond the clock skew). */
        ISSUED_IN_FUTURE(401),
        /** {@code iss} is not exactly a configured issuer. */
        WRONG_ISSUER(401),
        /** {@code aud} is missing or names no configured audience. */
        WRONG_AUDIENCE(401),
        /** Valid token without a scope the operation needs: 403 {@code insufficient_scope}. */
        INSUFFICIENT_SCOPE(403),
        /** No key could be obtained (identity provider unreachable): 503, never 401. */
        KEYS_UNAVAILABLE(503);

        private final int status;

        Reason(int status) {
            this.status = status;
        }

        /** The HTTP status this reason maps to. */
        public int status() {
            return status;
        }
    }

    private final Reason reason;
    private final String requiredScope;
    private final Duration retryAfter;

    private TokenRejectedException(Reason reason, String detail, String requiredScope, Duration retryAfter, Throwable cause) {
        super(reason + ": " + detail, cause);
        this.reason = reason;
        this.requiredScope = requiredScope;
        this.retryAfter = retryAfter;
    }

    /**
     * @param detail for operators: what was wrong, never the token or a secret
     */
    public static TokenRejectedException of(Reason reason, String detail) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        if (reason == Reason.INSUFFICIENT_SCOPE || reason == Reason.KEYS_UNAVAILABLE) {
            throw new IllegalArgumentException("use insufficientScope(...) or keysUnavailable(...) for " + reason);
        }
        return new TokenRejectedException(reason, detail, null, null, null);
    }

    static TokenRejectedException of(Reason reason, String detail, Throwable cause) {
        return new TokenRejectedException(reason, detail, null, null, cause);
    }

    /** The token is valid but lacks {@code scope}. */
    public static TokenRejectedException insufficientScope(String scope) {
        Objects.requireNonNull(scope, "scope");
        return new TokenRejectedException(Reason.INSUFFICIENT_SCOPE, "token lacks scope " + scope, scope, null, null);
    }

    /** No key could be obtained; clients should retry after {@code retryAfter}. */
    public static TokenRejectedException keysUnavailable(String detail, Duration retryAfter, Throwable cause) {
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(retryAfter, "retryAfter");
        return new TokenRejectedException(Reason.KEYS_UNAVAILABLE, detail, null, retryAfter, cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status for this rejection. */
    public int status() {
        return reason.status();
    }

    /** For {@link Reason#INSUFFICIENT_SCOPE}: the scope the operation needs. */
    public Optional<String> requiredScope() {
        return Optional.ofNullable(requiredScope);
    }

    /** For {@link Reason#KEYS_UNAVAILABLE}: when to try again. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
