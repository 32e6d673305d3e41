package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.Health;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.tokens.TestIssuer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The identity provider is down when the service starts. The start succeeds and readiness says "no
 * keys"; a service that is not ready gets no request that would fetch keys, so the verifier keeps
 * trying in the background (backoff 1 s doubling to 30 s by default) and becomes ready by itself once
 * the provider is back, without any request.
 */
class KeyWarmUpRetryTest {
    private static final String RETRY_THREAD = "microkit-jwks-warm-up";

    private static JwtVerifier verifier(TestIssuer issuer, boolean discovery) {
        JwtVerifierConfig config = JwtVerifierConfig.builder(issuer.issuer(), "orders-api")
                .keyCacheTtl(Duration.ofSeconds(2))
                .keyRefreshAhead(Duration.ofMillis(100))
                .keyFetchTimeout(Duration.ofMillis(500))
                .keyRefreshRateLimit(Duration.ofMillis(200))
                .keyWarmUpRetry(Duration.ofMillis(100), Duration.ofMillis(400))
                .build();
        return discovery ? JwtVerifier.forIssuer(config) : JwtVerifier.forJwksUri(config, issuer.jwksUri());
    }

    @ParameterizedTest(name = "discovery={0}")
    @ValueSource(booleans = {false, true})
    void keysArriveInTheBackgroundOnceTheIdpIsBackWithoutAnyRequest(boolean discovery) {
        try (TestIssuer issuer = TestIssuer.create().start()) {
            String token = issuer.token().audience("orders-api").sign();
            issuer.stop();

            try (JwtVerifier verifier = verifier(issuer, discovery)) {
                Health atStart = verifier.keyHealth().check();
                assertThat(atStart.status()).isEqualTo(HealthStatus.DOWN);
                assertThat(atStart.detail()).contains("no signing keys obtained yet").contains("retrying in the background");
                // Several background attempts fail while the provider stays away; readiness stays DOWN.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
                        verifier.keyHealth().check().facts().get("warmUpRetries") instanceof Integer n && n >= 3);
                assertThat(verifier.keyHealth().check().status()).isEqualTo(HealthStatus.DOWN);

                issuer.start();

                // No verify() here: only the background retry can fetch the keys.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> verifier.keyHealth().check().status() == HealthStatus.UP);
                assertThat(issuer.jwksRequests()).isPositive();
                assertThat(verifier.verify(token).issuer()).isEqualTo(issuer.issuer());
                // Keys obtained: the retry thread is gone (nimbus refreshes on use from now on).
                await().atMost(Duration.ofSeconds(5)).until(() -> !retryThreadAlive());
            }
        }
    }

    @ParameterizedTest(name = "discovery={0}")
    @ValueSource(booleans = {false, true})
    void closingTheVerifierStopsTheRetries(boolean discovery) {
        try (TestIssuer issuer = TestIssuer.create().start()) {
            issuer.stop();
            JwtVerifier verifier = verifier(issuer, discovery);
            assertThat(retryThreadAlive()).isTrue();

            verifier.close();
            issuer.start();

            await().atMost(Duration.ofSeconds(5)).until(() -> !retryThreadAlive());
            // Well past several retry delays (100 to 400 ms): a closed verifier asks the provider nothing.
            await().during(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3))
                    .until(() -> issuer.jwksRequests() == 0 && issuer.discoveryRequests() == 0);
        }
    }

    @Test
    void theBackoffIsBoundedAndDefaultsToOneSecondDoublingToThirtySeconds() {
        JwtVerifierConfig defaults = JwtVerifierConfig.defaults("https://login.example.com", "orders-api");
        assertThat(defaults.keyWarmUpRetryInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.keyWarmUpRetryMax()).isEqualTo(Duration.ofSeconds(30));

        assertThatThrownBy(() -> JwtVerifierConfig.from(defaults).keyWarmUpRetry(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least the initial delay");
        assertThatThrownBy(() -> JwtVerifierConfig.from(defaults).keyWarmUpRetry(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 10 ms");
        assertThat(JwtVerifierConfig.from(defaults).keyWarmUpRetry(Duration.ofMillis(500), Duration.ofMinutes(2)).build()
                .keyWarmUpRetryMax()).isEqualTo(Duration.ofMinutes(2));
    }

    private static boolean retryThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(RETRY_THREAD) && t.isAlive());
    }
}
