package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultSettingsTest {

    @TempDir
    Path dir;

    @Test
    void defaultsAreSafe() {
        VaultSettings s = VaultSettings.builder(URI.create("http://127.0.0.1:8200/"),
                VaultAuth.token(Secret.of("vault-token", "hvs.example"))).build();

        assertThat(s.address()).hasToString("http://127.0.0.1:8200");
        assertThat(s.failFast()).isTrue();
        assertThat(s.renewAt()).isCloseTo(2.0 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.maxStaleness()).isGreaterThanOrEqualTo(s.refreshInterval());
        assertThat(s.toString()).doesNotContain("hvs.example");
    }

    @Test
    void fromCopiesEverySettingForAChange() {
        VaultSettings base = VaultSettings.builder(URI.create("https://vault:8200"),
                VaultAuth.kubernetes("producer", dir.resolve("token"))).refreshInterval(Duration.ofSeconds(30))
                .maxStaleness(Duration.ofMinutes(2)).failFast(false).build();

        VaultSettings copy = VaultSettings.from(base).requestTimeout(Duration.ofSeconds(9)).build();

        assertThat(copy.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(copy.maxStaleness()).isEqualTo(Duration.ofMinutes(2));
        assertThat(copy.failFast()).isFalse();
        assertThat(copy.requestTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(copy.auth()).isSameAs(base.auth());
    }

    @Test
    void invalidValuesAreRejectedAsTheyAreSet() {
        VaultAuth auth = VaultAuth.token(Secret.of("t", "x"));
        assertThatThrownBy(() -> VaultSettings.builder(URI.create("ftp://vault"), auth))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VaultSettings.builder(URI.create("http://vault:8200"), auth).renewAt(1.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VaultSettings.builder(URI.create("http://vault:8200"), auth)
                .refreshInterval(Duration.ofMinutes(10)).maxStaleness(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxStaleness");
    }

    @Test
    void aCaFileThatHoldsNoCertificateIsReportedWithTheOtherProblems() throws IOException {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        EnvConfig env = EnvConfig.from(Map.of("VAULT_ADDR", "https://vault:8200", "VAULT_TOKEN", "t",
                "VAULT_CACERT", notPem.toString()));

        VaultSettings.fromEnv(env);

        assertThatThrownBy(env::validate).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).anyMatch(p -> p.contains("VAULT_CACERT")));
    }

    @Test
    void fromEnvIsEmptyWithoutVaultAddr() {
        assertThat(VaultSettings.fromEnv(EnvConfig.from(Map.of()))).isEmpty();
    }

    @Test
    void fromEnvReadsAppRoleWithTheSecretIdFileKeptAsAPathForReReading() throws IOException {
        Path secretId = Files.writeString(dir.resolve("secret-id"), "sid-1\n");
        EnvConfig env = EnvConfig.from(Map.of("VAULT_ADDR", "http://127.0.0.1:8200", "VAULT_AUTH", "approle",
                "VAULT_ROLE_ID", "producer", "VAULT_SECRET_ID_FILE", secretId.toString()));

        VaultSettings s = VaultSettings.fromEnv(env).orElseThrow();
        env.validate();

        assertThat(s.auth().method()).isEqualTo(VaultAuth.Method.APPROLE);
        assertThat(s.auth().credential().reveal()).isEqualTo("sid-1");
        Files.writeString(secretId, "sid-2");
        assertThat(s.auth().credential().reveal()).as("read again at each login").isEqualTo("sid-2");
        assertThat(s.auth().toString()).doesNotContain("sid-");
    }

    @Test
    void fromEnvReportsEveryMissingVariableAtOnce() {
        EnvConfig env = EnvConfig.from(Map.of("VAULT_ADDR", "http://127.0.0.1:8200", "VAULT_AUTH", "approle"));

        VaultSettings.fromEnv(env);

        assertThatThrownBy(env::validate).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).anyMatch(p -> p.contains("VAULT_ROLE_ID"))
                        .anyMatch(p -> p.contains("VAULT_SECRET_ID")));
    }
}
