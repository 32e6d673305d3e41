package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void backoffIsJitteredButNeverAboveTheCappedExponentialBound() {
        RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(100), Duration.ofMillis(500));
        for (int round = 0; round < 200; round++) {
            assertThat(policy.backoff(1)).isBetween(Duration.ZERO, Duration.ofMillis(100));
            assertThat(policy.backoff(2)).isBetween(Duration.ZERO, Duration.ofMillis(200));
            assertThat(policy.backoff(3)).isBetween(Duration.ZERO, Duration.ofMillis(400));
            assertThat(policy.backoff(9)).isBetween(Duration.ZERO, Duration.ofMillis(500));
        }
        long distinct = java.util.stream.IntStream.range(0, 50).mapToObj(i -> policy.backoff(3)).distinct().count();
        assertThat(distinct).as("pauses are spread, not in step").isGreaterThan(5);
    }

    @Test
    void invalidPoliciesAreRejected() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }
}
