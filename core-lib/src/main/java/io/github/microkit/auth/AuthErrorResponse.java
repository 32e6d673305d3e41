package io.github.microkit.auth;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The RFC 6750 answer to a rejected request, as plain values an HTTP framework copies into its response:
 * status, headers ({@code WWW-Authenticate}, and {@code Retry-After} for 503) and a JSON body
 * {@code {"error": "...", "message": "..."}}.
 *
 * <p>Descriptions are deliberately generic ("the access token is not valid"): telling a client that the
 * signature, rather than the issuer, was wrong helps only an attacker. The precise reason is in
 * {@link TokenRejectedException#reason()} for logs and metrics.
 *
 * @param status  HTTP status: 400, 401, 403 or 503
 * @param headers response headers, in order
 * @param body    JSON body
 */
public record AuthErrorResponse(int status, Map<String, String> headers, String body) {

    private static final Pattern QUOTABLE = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*");

    public AuthErrorResponse {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /**
     * The answer for {@code rejection}.
     *
     * @param realm the protection space named in {@code WWW-Authenticate} (e.g. {@code orders})
     */
    public static AuthErrorResponse of(TokenRejectedException rejection, String realm) {
        Objects.requireNonNull(rejection, "rejection");
        Objects.requireNonNull(realm, "realm");
        if (!QUOTABLE.matcher(realm).matches()) {
            throw new IllegalArgumentException("realm must be printable ASCII without quotes or backslashes");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String bearer = "Bearer realm=\"" + realm + "\"";
        switch (rejection.reason()) {
            case MISSING_CREDENTIALS -> {
                // RFC 6750 section 3.1: no error code when the request carried no credentials.
                headers.put("WWW-Authenticate", bearer);
                return new AuthErrorResponse(401, headers, body("unauthorized", "Authentication is required."));
            }
            case MALFORMED_REQUEST -> {
                headers.put("WWW-Authenticate", bearer + ", error=\"invalid_request\"");
                return new AuthErrorResponse(400, headers,
                        body("invalid_request", "The Authorization header is not a well-formed Bearer credential."));
            }
            case INSUFFICIENT_SCOPE -> {
                String scope = rejection.requiredScope().orElse("");
                headers.put("WWW-Authenticate", bearer + ", error=\"insufficient_scope\", scope=\"" + quotable(scope) + "\"");
                return new AuthErrorResponse(403, headers,
                        body("insufficient_scope", "The access token does not grant the scope " + quotable(scope) + "."));
            }
            case KEYS_UNAVAILABLE -> {
                // The identity provider is away: the client's token may be fine, so it must not learn otherwise.
                long seconds = Math.max(1, rejection.retryAfter().orElse(Duration.ofSeconds(5)).toSeconds());
                headers.put("Retry-After", Long.toString(seconds));
                return new AuthErrorResponse(503, headers,
                        body("temporarily_unavailable", "Tokens cannot be verified right now; retry later."));
            }
            default -> {
                headers.put("WWW-Authenticate", bearer + ", error=\"invalid_token\", error_description=\"The access token is not valid\"");
                return new AuthErrorResponse(401, headers, body("invalid_token", "The access token is not valid."));
            }
        }
    }

    /** Convenience: the {@code WWW-Authenticate} value, if this answer has one. */
    public java.util.Optional<String> wwwAuthenticate() {
        return java.util.Optional.ofNullable(headers.get("WWW-Authenticate"));
    }

    private static String quotable(String value) {
        return QUOTABLE.matcher(value).matches() ? value : "";
    }

    private static String body(String error, String message) {
        // Both values are constants or checked printable ASCII without quotes or backslashes.
        return "{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}";
    }
}
