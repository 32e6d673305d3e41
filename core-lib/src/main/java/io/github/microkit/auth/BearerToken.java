package io.github.microkit.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * Reads the token out of an {@code Authorization} header (RFC 6750 section 2.1): lenient about the
 * scheme's letter case, strict about everything else (one space, a {@code b64token}, nothing after it).
 */
public final class BearerToken {

    private static final String SCHEME = "bearer";

    private BearerToken() {
    }

    /**
     * @param authorizationHeader the header's value, empty when the request has none
     * @return the token
     * @throws TokenRejectedException {@link TokenRejectedException.Reason#MISSING_CREDENTIALS} when there is no
     *         header or another scheme (Basic, ...), {@link TokenRejectedException.Reason#MALFORMED_REQUEST} when the
     *         Bearer credential is not well formed
     */
    public static String fromAuthorizationHeader(Optional<String> authorizationHeader) {
        Objects.requireNonNull(authorizationHeader, "authorizationHeader");
        if (authorizationHeader.isEmpty()) {
            throw TokenRejectedException.of(TokenRejectedException.Reason.MISSING_CREDENTIALS, "no Authorization header");
        }
        String value = authorizationHeader.get();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.equalsIgnoreCase(SCHEME)) {
            if (scheme.isBlank() || !scheme.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw TokenRejectedException.of(TokenRejectedException.Reason.MALFORMED_REQUEST, "Authorization header has no scheme");
            }
            // Another scheme is not a malformed request: the client just has no bearer credentials.
            throw TokenRejectedException.of(TokenRejectedException.Reason.MISSING_CREDENTIALS, "Authorization scheme is not Bearer");
        }
        if (space < 0) {
            throw TokenRejectedException.of(TokenRejectedException.Reason.MALFORMED_REQUEST, "Bearer without a token");
        }
        String token = value.substring(space + 1);
        if (!isB64Token(token)) {
            throw TokenRejectedException.of(TokenRejectedException.Reason.MALFORMED_REQUEST,
                    "Bearer credential is not a single b64token (" + token.length() + " characters)");
        }
        return token;
    }

    /**
     * RFC 6750's {@code b64token}: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. A loop
     * rather than a regular expression: it runs on every request, over a token of a kilobyte or more.
     */
    private static boolean isB64Token(String token) {
        int end = token.length();
        while (end > 0 && token.charAt(end - 1) == '=') {
            end--;
        }
        if (end == 0) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            char c = token.charAt(i);
            boolean allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    /** Same as {@link #fromAuthorizationHeader(Optional)} for frameworks that return {@code null} for absent headers. */
    public static String fromNullableHeader(String authorizationHeader) {
        return fromAuthorizationHeader(Optional.ofNullable(authorizationHeader));
    }
}
