package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.HealthStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The token's life: renewal, max TTL, revocation, close. Time-moving tests need the emulator. */
class VaultSessionIT {

    @RegisterExtension
    static final AppConfigVault VAULT = AppConfigVault.withApiKey("session-key-41");

    @TempDir
    Path dir;

    private static VaultTarget vault() {
        return VAULT.target();
    }

    private VaultAuth appRole(String ttl, String maxTtl) throws IOException {
        VaultTarget.AppRole role = vault().appRole(List.of(VAULT.readPolicy()), ttl, maxTtl);
        Path secretIdFile = Files.writeString(dir.resolve("secret-id"), role.secretId().reveal());
        return VaultAuth.appRole(role.roleId(), secretIdFile).atMount(role.mount());
    }

    /** Moves Vault's clock in steps; after each, waits until the background thread did what was due, then reads. */
    private static void liveThrough(VaultClient client, Duration total, Duration step, Runnable afterEachStep) {
        for (Duration done = Duration.ZERO; done.compareTo(total) < 0; done = done.plus(step)) {
            vault().advance(step);
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                    .until(() -> client.session().state()
                    .map(s -> s.actAt().isAfter(vault().clock().instant())).orElse(false));
            afterEachStep.run();
        }
    }

    @Test
    void renewsItsTokenAcrossManySimulatedHoursWithNoFailedRead() throws IOException {
        vault().requireEmulator("moves Vault's clock by days");
        try (VaultClient client = VAULT.connect(appRole("1h", "720h"))) {
            VaultSession.TokenState first = client.session().state().orElseThrow();
            Instant start = vault().clock().instant();

            liveThrough(client, Duration.ofHours(48), Duration.ofMinutes(10), () ->
                    assertThat(client.kv(VAULT.mount()).read("app/config").orElseThrow().get("api-key"))
                            .map(Secret::reveal).contains("session-key-41"));

            VaultSession.TokenState now = client.session().state().orElseThrow();
            assertThat(now.accessor()).as("the same token, renewed, not a new login").isEqualTo(first.accessor());
            assertThat(now.expiresAt().orElseThrow()).isAfter(start.plus(Duration.ofHours(47)));
            assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void logsInAgainWhenRenewalReachesTheMaxTtl() throws IOException {
        vault().requireEmulator("moves Vault's clock past the max TTL");
        try (VaultClient client = VAULT.connect(appRole("1h", "3h"))) {
            Set<String> accessors = new LinkedHashSet<>();
            accessors.add(client.session().state().orElseThrow().accessor());

            liveThrough(client, Duration.ofHours(10), Duration.ofMinutes(10), () -> {
                assertThat(client.kv(VAULT.mount()).read("app/config").outcome()).isEqualTo(KvReadResult.Outcome.FOUND);
                accessors.add(client.session().state().orElseThrow().accessor());
            });

            // a token lives at most 3h, so 10h need at least 4 tokens
            assertThat(accessors).hasSizeGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aRevokedTokenLeadsToAFreshLoginAndTheReadSucceeds() throws IOException {
        try (VaultClient client = VAULT.connect(appRole("1h", "24h"))) {
            String accessor = client.session().state().orElseThrow().accessor();
            vault().root("POST", "auth/token/revoke-accessor", Map.of("accessor", accessor));

            KvReadResult read = client.kv(VAULT.mount()).read("app/config");

            assertThat(read.orElseThrow().get("api-key")).map(Secret::reveal).contains("session-key-41");
            assertThat(client.session().state().orElseThrow().accessor()).isNotEqualTo(accessor);
        }
    }

    @Test
    void closeRevokesTheTokenItObtainedButNotAGivenOne() throws IOException {
        VaultClient client = VAULT.connect(appRole("1h", "24h"));
        String accessor = client.session().state().orElseThrow().accessor();
        client.close();
        assertThat(vault().root("POST", "auth/token/lookup-accessor", Map.of("accessor", accessor), 400, 403)
                .status()).as("revoked").isIn(400, 403);

        Secret given = vault().token(List.of(VAULT.readPolicy()), "1h", "2h");
        VaultClient withGiven = VAULT.connect(VaultAuth.token(given));
        String givenAccessor = withGiven.session().state().orElseThrow().accessor();
        withGiven.close();
        assertThat(vault().root("POST", "auth/token/lookup-accessor", Map.of("accessor", givenAccessor)).status())
                .as("a given token is the operator's, still valid").isEqualTo(200);
    }

    @Test
    void aRejectedLoginFailsFastAndIsNotRetried() {
        VaultTarget.AppRole role = vault().appRole(List.of(VAULT.readPolicy()), "1h", "2h");

        assertThatThrownBy(() -> VAULT.connect(VaultAuth.appRole(role.roleId(), Secret.of("secret-id", "wrong-secret-id-9"))
                .atMount(role.mount())))
                .isInstanceOfSatisfying(SecretAccessException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SecretAccessException.Reason.LOGIN_REJECTED);
                    assertThat(e.getMessage()).doesNotContain("wrong-secret-id-9");
                });
    }

    @Test
    void withoutFailFastARejectedLoginIsReportedAsDown() {
        VaultTarget.AppRole role = vault().appRole(List.of(VAULT.readPolicy()), "1h", "2h");
        try (VaultClient client = VaultClient.connect(VaultSettings.builder(vault().address(),
                        VaultAuth.appRole(role.roleId(), Secret.of("secret-id", "wrong")).atMount(role.mount()))
                .clock(vault().clock()).checkInterval(Duration.ofMillis(10)).failFast(false).build())) {

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN));
            assertThat(client.healthCheck().check().detail()).contains("login rejected");
            SecretAccessException first = client.session().lastFailure().orElseThrow();
            // checks run every 10 ms; a rejected login is not tried again within the pause
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() ->
                    client.session().lastFailure().orElseThrow() == first);
        }
    }
}
