package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import io.github.microkit.testing.tokens.TestIssuer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A service's verifier from JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URI. */
class FromEnvironmentTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    @Test
    void discoversKeysFromJwtIssuer() {
        try (JwtVerifier verifier = JwtVerifier.fromEnvironment(EnvConfig.from(Map.of("JWT_ISSUER", ISSUER.issuer())), "orders-api")) {
            assertThat(verifier.verify(ISSUER.token().audience("orders-api").sign()).issuer()).isEqualTo(ISSUER.issuer());
        }
    }

    @Test
    void usesJwtJwksUriAndJwtAudienceWhenSet() {
        EnvConfig env = EnvConfig.from(Map.of("JWT_ISSUER", ISSUER.issuer(), "JWT_AUDIENCE", "billing-api",
                "JWT_JWKS_URI", ISSUER.jwksUri().toString()));
        int discoveries = ISSUER.discoveryRequests();
        try (JwtVerifier verifier = JwtVerifier.fromEnvironment(env, "orders-api")) {
            assertThat(verifier.verify(ISSUER.token().audience("billing-api").sign()).audiences()).containsExactly("billing-api");
            assertThat(ISSUER.discoveryRequests()).isEqualTo(discoveries);
        }
    }

    @Test
    void reportsEveryProblemAtOnce() {
        EnvConfig env = EnvConfig.from(Map.of("JWT_JWKS_URI", "not a uri", "HTTP_PORT", "eighty"));
        env.integer("HTTP_PORT", 8080);

        assertThatThrownBy(() -> JwtVerifier.fromEnvironment(env, "orders-api"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anyMatch(p -> p.contains("JWT_ISSUER")).anyMatch(p -> p.contains("JWT_JWKS_URI")).anyMatch(p -> p.contains("HTTP_PORT")));
    }

    @Test
    void plainHttpIssuerElsewhereThanLoopbackIsAConfigProblem() {
        EnvConfig env = EnvConfig.from(Map.of("JWT_ISSUER", "http://idp.example.com/realms/shop"));

        assertThatThrownBy(() -> JwtVerifier.fromEnvironment(env, "orders-api"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString().contains("https"));
    }
}
