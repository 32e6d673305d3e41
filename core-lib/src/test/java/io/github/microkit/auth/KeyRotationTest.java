package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.testing.tokens.TestIssuer;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The identity provider rotates its keys; the service keeps running and never needs a restart. */
class KeyRotationTest {

    private static JwtVerifierConfig.Builder quickRefresh(TestIssuer issuer) {
        return JwtVerifierConfig.builder(issuer.issuer(), "orders-api")
                .keyCacheTtl(Duration.ofSeconds(2))
                .keyRefreshAhead(Duration.ofMillis(100))
                .keyFetchTimeout(Duration.ofMillis(500))
                .keyRefreshRateLimit(Duration.ofMillis(200));
    }

    @Test
    void newKeyVerifiesWithoutRestartAndOldTokensKeepWorkingUntilExpiry() {
        try (TestIssuer issuer = TestIssuer.create().start();
             JwtVerifier verifier = JwtVerifier.forIssuer(quickRefresh(issuer).tokenCache(false).clockSkew(Duration.ofSeconds(1)).build())) {
            String oldKid = issuer.currentKeyId(JWSAlgorithm.RS256);
            String oldToken = issuer.token().audience("orders-api").sign();
            String oldTokenExpiringSoon = issuer.token().audience("orders-api")
                    .expiresIn(Duration.ofSeconds(4)).sign();
            assertThat(verifier.verify(oldToken).issuer()).isEqualTo(issuer.issuer());

            String newKid = issuer.rotate(JWSAlgorithm.RS256);
            String newToken = issuer.token().audience("orders-api").sign();

            // The unknown kid triggers a refetch as soon as the rate limit allows one.
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> verifier.verify(newToken).issuer().equals(issuer.issuer()));
            assertThat(newKid).isNotEqualTo(oldKid);
            assertThat(verifier.verify(oldToken).issuer()).isEqualTo(issuer.issuer());
            assertThat(verifier.verify(oldTokenExpiringSoon).issuer()).isEqualTo(issuer.issuer());

            // Past its exp (and the 1 s clock skew set here) the old token is rejected like any other expired token.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThatThrownBy(() -> verifier.verify(oldTokenExpiringSoon)).isInstanceOfSatisfying(
                            TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED)));
        }
    }

    @Test
    void retiredKeyStopsVerifyingOnceTheKeySetIsRefreshed() {
        try (TestIssuer issuer = TestIssuer.create().start();
             JwtVerifier verifier = JwtVerifier.forJwksUri(quickRefresh(issuer).tokenCache(false).build(), issuer.jwksUri())) {
            String oldKid = issuer.currentKeyId(JWSAlgorithm.ES256);
            String oldToken = issuer.token().algorithm(JWSAlgorithm.ES256).audience("orders-api").sign();
            assertThat(verifier.verify(oldToken).issuer()).isEqualTo(issuer.issuer());

            issuer.rotate(JWSAlgorithm.ES256);
            issuer.retire(oldKid);

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThatThrownBy(() -> verifier.verify(oldToken)).isInstanceOfSatisfying(
                            TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY)));
            assertThat(verifier.verify(issuer.token().algorithm(JWSAlgorithm.ES256).audience("orders-api").sign()).issuer())
                    .isEqualTo(issuer.issuer());
        }
    }

    @Test
    void unknownKidsCannotCauseAFetchStorm() {
        try (TestIssuer issuer = TestIssuer.create().start();
             JwtVerifier verifier = JwtVerifier.forJwksUri(JwtVerifierConfig.defaults(issuer.issuer(), "orders-api"), issuer.jwksUri())) {
            int afterWarmUp = issuer.jwksRequests();
            assertThat(afterWarmUp).isEqualTo(1);

            for (int i = 0; i < 50; i++) {
                String token = issuer.token().keyId(issuer.currentKeyId(JWSAlgorithm.RS256)).audience("orders-api")
                        .header("x-nonce", UUID.randomUUID().toString()).sign();
                String unknownKid = issuer.signRaw("{\"alg\":\"RS256\",\"kid\":\"unknown-" + i + "\"}",
                        "{\"iss\":\"" + issuer.issuer() + "\",\"aud\":\"orders-api\",\"exp\":" + Tokens.inMinutes(5) + "}",
                        issuer.currentKeyId(JWSAlgorithm.RS256));
                assertThatThrownBy(() -> verifier.verify(unknownKid)).isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
                assertThat(verifier.verify(token).issuer()).isEqualTo(issuer.issuer());
            }

            // One refetch for the first unknown kid, then the rate limit (30 s by default) holds.
            assertThat(issuer.jwksRequests() - afterWarmUp).isLessThanOrEqualTo(1);
        }
    }
}
