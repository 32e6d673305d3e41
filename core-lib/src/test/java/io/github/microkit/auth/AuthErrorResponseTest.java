package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.auth.TokenRejectedException.Reason;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every reason maps to one RFC 6750 answer; the client learns the class of problem, never the detail. */
class AuthErrorResponseTest {

    @ParameterizedTest
    @EnumSource(value = Reason.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"MISSING_CREDENTIALS", "MALFORMED_REQUEST", "INSUFFICIENT_SCOPE", "KEYS_UNAVAILABLE"})
    void everyTokenProblemLooksTheSameToTheClient(Reason reason) {
        AuthErrorResponse answer = AuthErrorResponse.of(TokenRejectedException.of(reason, "detail for operators"), "orders");

        assertThat(answer.status()).isEqualTo(401).isEqualTo(reason.status());
        assertThat(answer.headers()).containsOnlyKeys("WWW-Authenticate");
        assertThat(answer.wwwAuthenticate()).contains(
                "Bearer realm=\"orders\", error=\"invalid_token\", error_description=\"The access token is not valid\"");
        assertThat(answer.body()).isEqualTo("{\"error\":\"invalid_token\",\"message\":\"The access token is not valid.\"}")
                .doesNotContain("detail for operators");
    }

    @Test
    void keysUnavailableIs503WithRetryAfterAndNoChallenge() {
        AuthErrorResponse answer = AuthErrorResponse.of(
                TokenRejectedException.keysUnavailable("idp down", Duration.ofSeconds(7), null), "orders");

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.headers()).containsExactly(java.util.Map.entry("Retry-After", "7"));
        assertThat(answer.body()).contains("\"error\":\"temporarily_unavailable\"");
    }

    @Test
    void insufficientScopeNamesTheScopeNeeded() {
        AuthErrorResponse answer = AuthErrorResponse.of(TokenRejectedException.insufficientScope("orders:write"), "orders");

        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.wwwAuthenticate())
                .contains("Bearer realm=\"orders\", error=\"insufficient_scope\", scope=\"orders:write\"");
        assertThat(answer.body()).isEqualTo(
                "{\"error\":\"insufficient_scope\",\"message\":\"The access token does not grant the scope orders:write.\"}");
    }

    @Test
    void aRealmThatWouldBreakTheHeaderIsRefused() {
        assertThatThrownBy(() -> AuthErrorResponse.of(TokenRejectedException.of(Reason.EXPIRED, "x"), "a\"b"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statusesCoverTheContract() {
        EnumSet<Reason> not401 = EnumSet.of(Reason.MALFORMED_REQUEST, Reason.INSUFFICIENT_SCOPE, Reason.KEYS_UNAVAILABLE);
        for (Reason r : Reason.values()) {
            int expected = switch (r) {
                case MALFORMED_REQUEST -> 400;
                case INSUFFICIENT_SCOPE -> 403;
                case KEYS_UNAVAILABLE -> 503;
                default -> 401;
            };
            assertThat(r.status()).as(r.name()).isEqualTo(expected);
            assertThat(not401.contains(r)).isEqualTo(expected != 401);
        }
    }
}
