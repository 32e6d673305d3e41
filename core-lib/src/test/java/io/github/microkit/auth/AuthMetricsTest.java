package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.testing.tokens.TestIssuer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AuthMetricsTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    @Test
    void countsRejectionsByReasonAndTimesVerifications() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JwtVerifierConfig config = JwtVerifierConfig.builder(ISSUER.issuer(), "orders-api")
                .listener(AuthMetrics.micrometer(registry)).build();
        try (JwtVerifier verifier = JwtVerifier.forKeys(config, ISSUER.jwksJson())) {
            String good = ISSUER.token().audience("orders-api").sign();
            verifier.verify(good);
            verifier.verify(good);
            assertThatThrownBy(() -> verifier.verify(ISSUER.token().audience("billing-api").sign())).isInstanceOf(TokenRejectedException.class);
            assertThatThrownBy(() -> verifier.verify("not-a-token")).isInstanceOf(TokenRejectedException.class);

            assertThat(registry.get("microkit.auth.rejections").tag("reason", "WRONG_AUDIENCE").counter().count()).isEqualTo(1);
            assertThat(registry.get("microkit.auth.rejections").tag("reason", "MALFORMED_TOKEN").counter().count()).isEqualTo(1);
            assertThat(registry.get("microkit.auth.verifications").tag("outcome", "accepted").tag("cached", "false").timer().count()).isEqualTo(1);
            assertThat(registry.get("microkit.auth.verifications").tag("outcome", "accepted").tag("cached", "true").timer().count()).isEqualTo(1);
        }
    }
}
