package io.github.microkit.samples.common;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a route gets while the service starts: its HTTP server serves before the route's handler exists, and a
 * request in that window must get a 503 it can retry, not a 500.
 */
class StartupTest {

    @Test
    void aLateValueAnswers503WithRetryAfterUntilItIsSet() {
        Startup.Late<String> endpoint = Startup.late("the orders endpoint");

        assertThat(endpoint.isSet()).isFalse();
        assertThatThrownBy(endpoint::get).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.error()).isEqualTo("unavailable");
            assertThat(e.headers()).containsEntry("Retry-After", "1");
            assertThat(e.getMessage()).contains("starting").contains("the orders endpoint");
        });

        endpoint.set("ready");

        assertThat(endpoint.isSet()).isTrue();
        assertThat(endpoint.get()).isEqualTo("ready");
    }

    @Test
    void aLateValueIsSetOnceAndNeverToNull() {
        Startup.Late<String> endpoint = Startup.late("the orders endpoint");

        assertThatThrownBy(() -> endpoint.set(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("the orders endpoint");
        endpoint.set("first");

        assertThatThrownBy(() -> endpoint.set("second")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("set already");
        assertThat(endpoint.get()).isEqualTo("first");
        assertThat(endpoint).hasToString("Late[the orders endpoint, set]");
    }
}
