package io.github.microkit.samples.consumer;

import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.config.EnvConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The consumer's own part of its settings; what both services read is ServiceSettingsTest's (sample-common). */
class ConsumerSettingsTest {

    @Test
    void theConsumerListensOn8081AndIsNamedSampleConsumerInTheBrokerVaultAndItsDatabaseFile() {
        ServiceSettings settings = ConsumerSettings.fromEnv(EnvConfig.from(Map.of("JWT_ISSUER", "http://127.0.0.1:8090/default")));

        assertThat(settings.httpPort()).isEqualTo(8081);
        assertThat(settings.rabbit().connectionName()).isEqualTo("sample-consumer");
        assertThat(settings.vaultKvPath()).isEqualTo("microkit/consumer");
        assertThat(settings.database().jdbcUrl()).startsWith("jdbc:h2:file:./data/sample-consumer;");
    }
}
