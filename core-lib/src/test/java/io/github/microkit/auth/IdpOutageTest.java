package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.tokens.TestIssuer;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The identity provider goes away. A service must keep accepting tokens it can still check, answer 503
 * (not 401) when it has no key at all, and recover by itself when the provider returns.
 */
class IdpOutageTest {

    private static JwtVerifierConfig quickConfig(TestIssuer issuer) {
        return JwtVerifierConfig.builder(issuer.issuer(), "orders-api")
                .keyCacheTtl(Duration.ofSeconds(2))
                .keyRefreshAhead(Duration.ofMillis(100))
                .keyFetchTimeout(Duration.ofMillis(500))
                .keyRefreshRateLimit(Duration.ofMillis(200))
                .tokenCache(false) // so every verification really needs a key
                .build();
    }

    private static Function<TestIssuer, JwtVerifier> factory(boolean discovery) {
        return issuer -> discovery
                ? JwtVerifier.forIssuer(quickConfig(issuer))
                : JwtVerifier.forJwksUri(quickConfig(issuer), issuer.jwksUri());
    }

    @ParameterizedTest(name = "discovery={0}")
    @ValueSource(booleans = {false, true})
    void cachedKeysStillVerifyWhileTheIdpIsDown(boolean discovery) {
        try (TestIssuer issuer = TestIssuer.create().start();
             JwtVerifier verifier = factory(discovery).apply(issuer)) {
            String token = issuer.token().audience("orders-api").sign();
            assertThat(verifier.verify(token).issuer()).isEqualTo(issuer.issuer());

            issuer.stop();

            // Past the key cache's time-to-live the refresh fails; outage tolerance keeps serving the last keys.
            // (verify first: health only changes when a verification needs the keys)
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                    verifier.verify(token).issuer().equals(issuer.issuer())
                            && verifier.keyHealth().check().status() == HealthStatus.DEGRADED);
            String issuedDuringOutage = issuer.token().algorithm(JWSAlgorithm.ES256).audience("orders-api").sign();
            assertThat(verifier.verify(issuedDuringOutage).issuer()).isEqualTo(issuer.issuer());

            // A key we never saw cannot be fetched now: that is the provider's outage, not a bad token.
            issuer.rotate(JWSAlgorithm.RS256);
            String signedWithNewKey = issuer.token().audience("orders-api").sign();
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> verifier.verify(signedWithNewKey)).isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.status()).isEqualTo(503));
            }

            issuer.start();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                    verifier.verify(signedWithNewKey) != null && verifier.keyHealth().check().status() == HealthStatus.UP);
            assertThat(verifier.verify(token).issuer()).isEqualTo(issuer.issuer());
        }
    }

    @ParameterizedTest(name = "discovery={0}")
    @ValueSource(booleans = {false, true})
    void withNoKeysEverFetchedTheAnswerIs503AndItRecoversWithoutRestart(boolean discovery) {
        try (TestIssuer issuer = TestIssuer.create().start()) {
            String token = issuer.token().audience("orders-api").sign();
            issuer.stop();

            // The start does not fail although the IdP is away.
            try (JwtVerifier verifier = factory(discovery).apply(issuer)) {
                assertThat(verifier.keyHealth().check().status()).isEqualTo(HealthStatus.DOWN);
                for (int i = 0; i < 5; i++) { // first attempt and the rate-limited ones after it alike
                    assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
                        AuthErrorResponse answer = AuthErrorResponse.of(e, "orders");
                        assertThat(answer.status()).isEqualTo(503);
                        assertThat(answer.headers()).containsEntry("Retry-After", "5");
                        assertThat(answer.wwwAuthenticate()).isEmpty();
                    });
                }

                issuer.start();

                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                        .until(() -> verifier.verify(token).issuer().equals(issuer.issuer()));
                assertThat(verifier.keyHealth().check().status()).isEqualTo(HealthStatus.UP);
            }
        }
    }
}
