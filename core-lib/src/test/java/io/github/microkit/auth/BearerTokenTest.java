package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.auth.TokenRejectedException.Reason;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Authorization header: strict about format, lenient about the scheme's case (RFC 6750 section 2.1). */
class BearerTokenTest {

    @ParameterizedTest
    @ValueSource(strings = {"Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER abc.def.ghi", "bEaReR abc.def.ghi"})
    void schemeIsCaseInsensitive(String header) {
        assertThat(BearerToken.fromAuthorizationHeader(Optional.of(header))).isEqualTo("abc.def.ghi");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Bearer ", "Bearer  abc", "Bearer abc def", "Bearer abc ", "Bearer\tabc",
            "Bearer abc,def", "Bearer \"abc\"", "Bearer abc=def", "Bearer ==", "Bearer abc\u00e9", " Bearer abc", ""})
    void malformedBearerCredentialIs400(String header) {
        assertThatThrownBy(() -> BearerToken.fromAuthorizationHeader(Optional.of(header)))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_REQUEST);
                    AuthErrorResponse answer = AuthErrorResponse.of(e, "orders");
                    assertThat(answer.status()).isEqualTo(400);
                    assertThat(answer.wwwAuthenticate()).contains("Bearer realm=\"orders\", error=\"invalid_request\"");
                    assertThat(answer.body()).startsWith("{\"error\":\"invalid_request\",");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic dXNlcjpwYXNz", "Digest username=x", "Token abc"})
    void otherSchemesCountAsNoCredentials(String header) {
        assertThatThrownBy(() -> BearerToken.fromAuthorizationHeader(Optional.of(header)))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING_CREDENTIALS));
    }

    @org.junit.jupiter.api.Test
    void noHeaderIs401WithoutAnErrorCode() {
        assertThatThrownBy(() -> BearerToken.fromNullableHeader(null))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    AuthErrorResponse answer = AuthErrorResponse.of(e, "orders");
                    assertThat(answer.status()).isEqualTo(401);
                    assertThat(answer.wwwAuthenticate()).contains("Bearer realm=\"orders\"");
                    assertThat(answer.body()).isEqualTo("{\"error\":\"unauthorized\",\"message\":\"Authentication is required.\"}");
                });
    }

    @ParameterizedTest
    @CsvSource({"Bearer a-b_c.d~e+f/g==, a-b_c.d~e+f/g==", "Bearer x, x"})
    void acceptsEveryB64tokenCharacter(String header, String token) {
        assertThat(BearerToken.fromAuthorizationHeader(Optional.of(header))).isEqualTo(token);
    }
}
