package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The producer's own part of its settings; what both services read is ServiceSettingsTest's (sample-common). */
class ProducerSettingsTest {

    @Test
    void theProducerListensOn8080ConfirmsEachPublishAndIsNamedSampleProducerInTheBrokerVaultAndItsDatabaseFile() {
        ProducerSettings producer = ProducerSettings.fromEnv(EnvConfig.from(Map.of("JWT_ISSUER", "http://127.0.0.1:8090/default")));
        ServiceSettings settings = producer.common();

        assertThat(producer.publishMode()).isEqualTo(PublishMode.CONFIRM);
        assertThat(settings.httpPort()).isEqualTo(8080);
        assertThat(settings.rabbit().connectionName()).isEqualTo("sample-producer");
        assertThat(settings.vaultKvPath()).isEqualTo("microkit/producer");
        assertThat(settings.database().jdbcUrl()).startsWith("jdbc:h2:file:./data/sample-producer;");
    }

    @Test
    void publishModeIsReadAndItsProblemReportedWithTheOthers() {
        ProducerSettings producer = ProducerSettings.fromEnv(EnvConfig.from(Map.of(
                "JWT_ISSUER", "http://127.0.0.1:8090/default",
                "PUBLISH_MODE", "OUTBOX")));

        assertThat(producer.publishMode()).isEqualTo(PublishMode.OUTBOX);

        // PUBLISH_MODE is read before the common part validates: its problem comes in the same message
        assertThatThrownBy(() -> ProducerSettings.fromEnv(EnvConfig.from(Map.of(
                "PUBLISH_MODE", "later",
                "DATABASE_POOL_SIZE", "0"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).contains("PUBLISH_MODE"))
                        .anySatisfy(p -> assertThat(p).contains("DATABASE_POOL_SIZE"))
                        .anySatisfy(p -> assertThat(p).contains("JWT_ISSUER")));
    }
}
