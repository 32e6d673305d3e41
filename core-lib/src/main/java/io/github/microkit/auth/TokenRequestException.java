package io.github.microkit.auth;

import io.github.microkit.MicrokitException;
import java.util.Objects;
import java.util.Optional;

/**
 * A service could not obtain an access token from the authorization server: unreachable, or an OAuth
 * error such as {@code invalid_client}. The message names the endpoint and the error code, never the
 * client secret or a token.
 */
public final class TokenRequestException extends MicrokitException {

    private final String errorCode;
    private final boolean retryable;

    private TokenRequestException(String message, String errorCode, boolean retryable, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
        this.retryable = retryable;
    }

    static TokenRequestException unreachable(String endpoint, Throwable cause) {
        return new TokenRequestException("token endpoint " + endpoint + " unreachable (" + cause.getClass().getSimpleName() + ")",
                null, true, cause);
    }

    static TokenRequestException refused(String endpoint, int status, String errorCode) {
        String code = Objects.requireNonNullElse(errorCode, "no error code");
        return new TokenRequestException("token endpoint " + endpoint + " refused: HTTP " + status + ", " + code,
                errorCode, status >= 500, null);
    }

    static TokenRequestException malformed(String endpoint, Throwable cause) {
        return new TokenRequestException("token endpoint " + endpoint + " sent an unreadable answer", null, true, cause);
    }

    /** The OAuth error code ({@code invalid_client}, {@code invalid_scope} ...), if the server sent one. */
    public Optional<String> errorCode() {
        return Optional.ofNullable(errorCode);
    }

    /** Whether trying again later may help (network failures and 5xx), as opposed to a configuration error. */
    public boolean retryable() {
        return retryable;
    }
}
