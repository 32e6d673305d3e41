package io.github.microkit.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HealthRegistryTest {

    @Test
    void noChecksMeansUpAndReady() {
        HealthRegistry.Report report = HealthRegistry.create().report();

        assertThat(report.status()).isEqualTo(HealthStatus.UP);
        assertThat(report.ready()).isTrue();
    }

    @Test
    void theWorstCheckDecidesButDegradedStaysReady() {
        HealthRegistry registry = HealthRegistry.create()
                .register("broker", () -> Health.up("connected"))
                .register("keys", () -> Health.degraded("serving cached keys; identity provider unreachable"));

        HealthRegistry.Report report = registry.report();

        assertThat(report.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(report.ready()).isTrue();
        assertThat(report.checks()).containsOnlyKeys("broker", "keys");
    }

    @Test
    void oneDownCheckMakesTheServiceNotReady() {
        HealthRegistry registry = HealthRegistry.create()
                .register("broker", () -> Health.down("connection lost"))
                .register("keys", () -> Health.degraded("stale"));

        assertThat(registry.report().status()).isEqualTo(HealthStatus.DOWN);
        assertThat(registry.report().ready()).isFalse();
    }

    @Test
    void aCheckThatThrowsCountsAsDownWithoutTheExceptionMessage() {
        HealthRegistry registry = HealthRegistry.create().register("vault", () -> {
            throw new IllegalStateException("token hvs.secret-value leaked?");
        });

        Health vault = registry.report().checks().get("vault");

        assertThat(vault.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(vault.detail()).isEqualTo("check failed: IllegalStateException").doesNotContain("hvs.");
    }
}
