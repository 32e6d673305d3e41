package io.github.microkit.manifests;

import static io.github.microkit.manifests.Broken.assertRejected;
import static io.github.microkit.manifests.Broken.at;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigMapSecretsRuleTest {
    private static final String GENERATED_IN_BASE = "base/kustomization.yaml (ConfigMapGenerator)";

    @ParameterizedTest
    @ValueSource(strings = {"RABBITMQ_PASSWORD", "VAULT_TOKEN", "VAULT_SECRET_ID", "client-secret", "db.password"})
    void aSecretValueInAConfigMapIsRejected(String key) {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config", c -> at(c, "/data").put(key, "s3cr3t"));

        assertRejected(report, ConfigMapSecretsRule.ID, GENERATED_IN_BASE, "ConfigMap/producer-config",
                "data." + key + " holds a secret value inline");
    }

    @org.junit.jupiter.api.Test
    void aUriWithAPasswordInAConfigMapIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config",
                c -> at(c, "/data").put("RABBITMQ_URI", "amqp://consumer:hunter2@rabbitmq:5672"));

        assertRejected(report, ConfigMapSecretsRule.ID, GENERATED_IN_BASE, "ConfigMap/consumer-config",
                "data.RABBITMQ_URI is a URI with a password in it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgresql://postgres:5432/orders_consumer?user=orders_consumer&password=hunter2",
            "jdbc:postgresql://postgres:5432/orders_consumer?ssl=true&PASSWORD=hunter2"})
    void aJdbcUrlWithAPasswordParameterIsRejected(String url) {
        Report report = Broken.check("overlays/dev", "ConfigMap", "consumer-config", c -> at(c, "/data").put("DATABASE_URL", url));

        assertRejected(report, ConfigMapSecretsRule.ID, GENERATED_IN_BASE, "ConfigMap/consumer-config",
                "data.DATABASE_URL is a JDBC URL with a password parameter");
    }

    @org.junit.jupiter.api.Test
    void aJdbcUrlWithAPasswordInItsUserInfoIsRejected() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config",
                c -> at(c, "/data").put("DATABASE_URL", "jdbc:postgresql://orders_producer:hunter2@postgres:5432/orders_producer"));

        assertRejected(report, ConfigMapSecretsRule.ID, GENERATED_IN_BASE, "ConfigMap/producer-config",
                "data.DATABASE_URL is a URI with a password in it");
    }

    @org.junit.jupiter.api.Test
    void aPathToASecretFileIsNotASecret() {
        Report report = Broken.check("overlays/dev", "ConfigMap", "producer-config", c -> at(c, "/data")
                .put("VAULT_AUTH", "token").put("VAULT_TOKEN_FILE", "/var/run/secrets/vault/token"));

        assertThat(report.violations()).noneMatch(v -> v.rule().equals(ConfigMapSecretsRule.ID));
    }
}
