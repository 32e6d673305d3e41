package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.HealthStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.github.microkit.testing.vault.VaultEmulatorExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Vault away: the client's own clock moves (Vault's does not need to), the network is cut by a gate in
 * front of Vault, so this runs against the emulator and a real Vault alike.
 */
class VaultOutageIT {

    @RegisterExtension
    static final VaultEmulatorExtension VAULT = VaultEmulatorExtension.create();

    private static VaultTarget vault;
    private static String mount;

    @BeforeAll
    static void start() {
        vault = VaultTarget.of(VAULT);
        mount = vault.kvMount();
        vault.root("POST", mount + "/data/app/config", Map.of("data", Map.of("api-key", "outage-key-1")));
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void whileVaultIsUnreachableCachedValuesAreServedUpToTheStalenessLimitThenItRecoversByItself() throws IOException {
        String policy = vault.policy("path \"" + mount + "/data/app/*\" { capabilities = [\"read\"] }");
        Secret token = vault.token(List.of(policy), "768h", "768h");
        MovableClock clock = new MovableClock();
        try (TcpGate gate = new TcpGate(vault.address());
             VaultClient client = VaultClient.connect(VaultSettings.builder(gate.address(), VaultAuth.token(token))
                     .clock(clock).checkInterval(Duration.ofMillis(20))
                     .refreshInterval(Duration.ofMinutes(1)).maxStaleness(Duration.ofMinutes(10))
                     .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10))).build())) {
            SecretSource source = client.kv(mount).source("app/config");
            assertThat(source.require("api-key").reveal()).isEqualTo("outage-key-1");
            assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

            gate.cut();
            clock.advance(Duration.ofMinutes(5)); // past the refresh interval, within the staleness limit

            assertThat(source.require("api-key").reveal()).as("served from cache").isEqualTo("outage-key-1");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED));

            clock.advance(Duration.ofMinutes(6)); // now 11 minutes old: too stale to serve
            assertThatThrownBy(() -> source.require("api-key"))
                    .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                        assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.UNREACHABLE);
                        assertThat(e.getMessage()).doesNotContain("outage-key-1");
                    });
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN));

            gate.restore();
            // nobody reads: the background refresh alone brings it back
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP));
            assertThat(source.require("api-key").reveal()).isEqualTo("outage-key-1");
        }
    }

    @Test
    void aNewValueIsPickedUpAfterTheRefreshInterval() {
        MovableClock clock = new MovableClock();
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                VaultAuth.token(vault.rootToken())).clock(clock).refreshInterval(Duration.ofMinutes(1)).build())) {
            SecretSource source = client.kv(mount).source("app/rotating");
            client.kv(mount).write("app/rotating", Map.of("api-key", "before"));
            assertThat(source.require("api-key").reveal()).isEqualTo("before");

            client.kv(mount).write("app/rotating", Map.of("api-key", "after"));
            assertThat(source.require("api-key").reveal()).as("cached within the interval").isEqualTo("before");
            clock.advance(Duration.ofMinutes(2));
            assertThat(source.require("api-key").reveal()).isEqualTo("after");
        }
    }

    @Test
    void withoutFailFastAClientStartsWhileVaultIsAwayAndLogsInWhenItComesBack() throws IOException {
        VaultTarget.AppRole role = vault.appRole(List.of(vault.policy(
                "path \"" + mount + "/data/app/*\" { capabilities = [\"read\"] }")), "1h", "24h");
        try (TcpGate gate = new TcpGate(vault.address())) {
            gate.cut();
            try (VaultClient client = VaultClient.connect(VaultSettings.builder(gate.address(),
                            VaultAuth.appRole(role.roleId(), role.secretId()).atMount(role.mount()))
                    .failFast(false).checkInterval(Duration.ofMillis(20))
                    .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10))).build())) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN));

                gate.restore();

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP));
                assertThat(client.kv(mount).read("app/config").orElseThrow().get("api-key"))
                        .map(Secret::reveal).contains("outage-key-1");
            }
        }
    }

    @Test
    void whileVaultIsSealedCachedValuesAreServedAndHealthSaysDegradedUntilItIsUnsealed() {
        vault.requireEmulator("sealing a real Vault needs its unseal keys");
        MovableClock clock = new MovableClock();
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault.address(),
                        VaultAuth.token(vault.rootToken())).clock(clock).checkInterval(Duration.ofMillis(20))
                .refreshInterval(Duration.ofMinutes(1)).maxStaleness(Duration.ofMinutes(10))
                .retry(new RetryPolicy(2, Duration.ofMillis(5), Duration.ofMillis(10))).build())) {
            SecretSource source = client.kv(mount).source("app/config");
            source.require("api-key");
            vault.emulator().seal();
            try {
                clock.advance(Duration.ofMinutes(2));
                assertThat(source.require("api-key").reveal()).isEqualTo("outage-key-1");
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    var health = client.healthCheck().check();
                    assertThat(health.status()).isEqualTo(HealthStatus.DEGRADED);
                    assertThat(health.detail()).contains("sealed");
                });
            } finally {
                vault.emulator().unseal();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP));
        }
    }
}
